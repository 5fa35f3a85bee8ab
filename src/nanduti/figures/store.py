"""Import a series file: keep it whole, validate it, store new series or new versions.

Re-importing the same content changes nothing; a series whose content changed (a source
corrected) becomes a new version that supersedes the previous one, which stays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from nanduti.figures import files
from nanduti.figures.models import Observation, Series, Submission
from nanduti.figures.validate import Problem, SeriesData, dims_key, validate

SHIPPED = Path(__file__).resolve().parent / "data" / "official_series.csv"


@dataclass
class ImportReport:
    submission: Submission
    created: list[str] = field(default_factory=list)
    versioned: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"nuevas / new {len(self.created)}, nuevas versiones / new versions "
            f"{len(self.versioned)}, sin cambios / unchanged {len(self.unchanged)}, "
            f"errores / errors {len(self.problems)}"
        )

    def as_dict(self) -> dict:
        return {
            "submission": self.submission.pk,
            "created": self.created,
            "versioned": self.versioned,
            "unchanged": self.unchanged,
            "errors": [str(p) for p in self.problems],
        }


def _save(data: SeriesData, submission: Submission) -> str:
    digest = data.content_hash()
    latest = Series.objects.filter(key=data.key).order_by("-version").first()
    if latest is not None and latest.content_hash == digest:
        return "unchanged"
    meta = dict(data.meta)
    meta["published"] = meta.get("published") != "no"
    series = Series.objects.create(
        key=data.key,
        version=latest.version + 1 if latest else 1,
        supersedes=latest,
        dimensions=data.dimensions,
        content_hash=digest,
        submission=submission,
        **meta,
    )
    Observation.objects.bulk_create(
        Observation(
            series=series,
            period=o["period"],
            dims=o["dims"],
            dims_key=dims_key(o["dims"]),
            value=o["value"],
            note=o["note"],
        )
        for o in data.observations.values()
    )
    return "versioned" if latest else "created"


def import_file(filename: str, content: bytes, user=None) -> ImportReport:
    """Import ``content``; the file is kept (as a Submission) whatever happens to it."""
    fmt = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    if content.lstrip(b"\xef\xbb\xbf").startswith((b"STRUCTURE,", b"DATAFLOW,")):
        fmt = "sdmx-csv"
    submission = Submission.objects.create(
        filename=Path(filename).name[:255],
        format=fmt,
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        submitted_by=user if getattr(user, "pk", None) else None,
    )
    report = ImportReport(submission)
    try:
        records = files.read(filename, content)
    except files.UnreadableFile as error:
        es, _, en = str(error).partition(" / ")
        report.problems.append(Problem(0, "", es, en or es))
        records = []
    accepted, problems = validate(records)
    report.problems += problems
    with transaction.atomic():
        for data in accepted:
            getattr(report, _save(data, submission)).append(data.key)
        submission.errors = [str(p) for p in report.problems]
        submission.outcome = report.as_dict()
        submission.save(update_fields=["errors", "outcome"])
    return report


def load_shipped() -> ImportReport:
    """The study's Tables 4–8 and the official series shipped with the package."""
    return import_file(SHIPPED.name, SHIPPED.read_bytes())


def current() -> list[Series]:
    """The newest version of every series."""
    return list(
        Series.objects.filter(superseded_by__isnull=True)
        .prefetch_related("observations")
        .order_by("key")
    )
