"""What each kind of job does, and who may start it from the web.

Each ``run(job, progress)`` calls one library function with the job's parameters and
returns what the job page shows; it raises :class:`~nanduti.jobs.runner.JobFailed` with a
reason in both languages when the work could not be done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from nanduti.jobs.failures import JobFailed
from nanduti.jobs.models import Job
from nanduti.registry import permissions
from nanduti.registry.models import Role

# The importer's report keys a job page shows: counts, never a row's values (the rejected
# rows and the values their errors quote stay encrypted in the batch's quarantine).
IMPORT_RESULT_KEYS = (
    "format",
    "rows_read",
    "stored",
    "updated",
    "unchanged",
    "rejected",
    "fuzzy_count",
    "warnings",
    "batch_id",
    "batch_ids",
)


def split_bilingual(text: str) -> tuple[str, str]:
    """The importer's messages read «español / English»; one with no single such split
    is given whole in both."""
    parts = text.split(" / ")
    if len(parts) == 2:
        return parts[0], parts[1]
    return text, text


def discard_upload(job: Job) -> None:
    """An import's upload (plain text, as sent) is deleted once the job can no longer use
    it: imported, cancelled before it started, or its worker died."""
    if job.kind == Job.Kind.IMPORT and job.params.get("path"):
        from nanduti.web import imports

        imports.discard_upload(Path(job.params["path"]))


def run_import(job: Job, progress) -> dict:
    from nanduti.registry.importer import import_file

    try:
        report = import_file(
            job.params["path"],
            institution=job.params.get("institution"),
            fmt=job.params.get("format"),
            user=job.started_by,
            progress=progress,
        )
    finally:
        discard_upload(job)
    result = {k: v for k, v in report.as_dict().items() if k in IMPORT_RESULT_KEYS}
    if not report.readable:
        raise JobFailed(*split_bilingual(report.fatal), result=result)
    if report.stored or report.updated:
        from nanduti.stats.rebuild import request_summary_rebuild

        request_summary_rebuild()
    return result


def run_monitor(job: Job, progress) -> dict:
    from nanduti.monitoring.store import run_on_stored_articles

    report = run_on_stored_articles(
        job.params.get("limit"), rerun=bool(job.params.get("rerun")), progress=progress
    )
    return {
        "processed": report.processed,
        "relevant": report.relevant,
        "groups": report.groups,
        "errors": report.errors[:50],
    }


def report_path(job: Job) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / str(job.pk) / "informe.pdf"


def run_report(job: Job, progress) -> dict:
    from nanduti.stats import report

    language = job.params.get("language", "es")
    progress(0, 2)
    html = report.render_html(language)
    progress(1, 2)
    target = report_path(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(report.to_pdf(html))
    partial.replace(target)  # a reader never sees half a file
    progress(2, 2)
    return {"file": target.name, "bytes": target.stat().st_size}


def run_summaries(job: Job, progress) -> dict:
    from nanduti.stats.rebuild import rebuild_summaries

    progress(0, 1)
    state = rebuild_summaries(wait=True)
    if state is None:  # only without wait; said rather than assumed
        raise JobFailed(
            "Otro proceso está reconstruyendo el resumen.",
            "Another process is rebuilding the summary.",
        )
    progress(1, 1)
    return {"rows": state.rows, "seconds": round(state.seconds, 1)}


def run_linkage(job: Job, progress) -> dict:
    from nanduti.linkage import runs

    linked = runs.run(
        job.params.get("mode", "encoded"),
        user=job.started_by,
        on_progress=lambda percent, _stage: progress(percent, 100),
    )
    return {"run": linked.pk, "records": linked.records, "persons": linked.persons}


def _roles(*roles: str) -> Callable[[object], bool]:
    return lambda user: permissions.role(user) in roles


@dataclass(frozen=True)
class Kind:
    run: Callable[[Job, Callable], dict]
    # Who may start it from the jobs page (imports start from the import page).
    may_start: Callable[[object], bool]


KINDS: dict[str, Kind] = {
    Job.Kind.IMPORT: Kind(run_import, lambda user: False),
    Job.Kind.MONITOR: Kind(run_monitor, _roles(Role.ANALYST, Role.ADMIN)),
    Job.Kind.REPORT: Kind(run_report, _roles(Role.ANALYST, Role.STEWARD, Role.ADMIN)),
    Job.Kind.SUMMARIES: Kind(run_summaries, _roles(Role.ANALYST, Role.STEWARD, Role.ADMIN)),
    Job.Kind.LINKAGE: Kind(run_linkage, _roles(Role.STEWARD, Role.ADMIN)),
}
