"""Linkage runs over the registry (central mode) and over encoded files (federated mode).

A run is recorded before it starts and audited at its start and end. Its results are
written in one transaction at the end, and only then does it become the current result:
a run that fails (or is killed) leaves the last good result in place.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from nanduti.linkage import files as encoded_files
from nanduti.linkage import keys, pipeline
from nanduti.linkage.encoding import SCHEME, Parameters
from nanduti.linkage.models import LinkageRun, PersonKey, UncertainPair
from nanduti.linkage.normalise import Identity
from nanduti.linkage.records import VictimRecord, victim_records
from nanduti.registry import audit
from nanduti.registry.models import AuditEvent

EXPORT_COLUMNS = ("institution", "case_reference", "victim_reference", "person_id")


def _audit(run: LinkageRun, action: str) -> None:
    AuditEvent.objects.create(
        actor=audit.current_actor(),
        action=action,
        model="linkagerun",
        object_id=str(run.pk),
        changes={
            "mode": run.mode,
            "threshold": run.threshold,
            "status": run.status,
            "records": run.records,
            "persons": run.persons,
            "key_fingerprint": run.key_fingerprint,
        },
    )


def _progress(run: LinkageRun, percent: int, stage: str) -> None:
    run.progress, run.stage = percent, stage
    LinkageRun.objects.filter(pk=run.pk).update(progress=percent, stage=stage)


def run(
    mode: str = "encoded",
    threshold: float = pipeline.DEFAULT_THRESHOLD,
    user=None,
    on_progress: Callable[[int, str], None] | None = None,
) -> LinkageRun:
    """Links every victim record of the registry; returns the finished run."""
    encoder = keys.encoder() if mode == "encoded" else None
    run = LinkageRun.objects.create(
        started_by=user if getattr(user, "is_authenticated", False) else None,
        mode=mode,
        scheme=SCHEME if mode == "encoded" else "clear",
        parameters=(encoder.parameters if encoder else Parameters()).as_dict(),
        key_fingerprint=encoder.fingerprint if encoder else "",
        threshold=threshold,
    )
    _audit(run, "link-start")

    def step(percent: int, stage: str) -> None:
        _progress(run, percent, stage)
        if on_progress:
            on_progress(percent, stage)

    try:
        step(5, "read")
        victim_ids: list[int] = []
        features = pipeline.features_table(_identities(victim_records(), victim_ids), mode, encoder)
        step(30, "link")
        outcome = pipeline.link_table(features, mode, threshold)
        step(80, "store")
        _store(run, victim_ids, outcome)
    except BaseException as error:  # KeyboardInterrupt too: the run must say it failed
        run.status, run.finished_at = LinkageRun.Status.FAILED, timezone.now()
        run.message = f"{type(error).__name__}: {error}"[:2000]
        run.save(update_fields=["status", "finished_at", "message"])
        _audit(run, "link-failed")
        raise
    _audit(run, "link-done")
    return run


def _identities(records: Iterable[VictimRecord], victim_ids: list[int]) -> Iterator[Identity]:
    """The records' identities as the pipeline reads them (it encodes them chunk by chunk,
    so the registry's identities are never all in memory); their ids go to ``victim_ids``."""
    for r in records:
        victim_ids.append(r.victim_id)
        yield r.identity


@transaction.atomic
def _store(run: LinkageRun, victim_ids: Sequence[int], outcome: pipeline.Outcome) -> None:
    PersonKey.objects.bulk_create(
        (
            PersonKey(run=run, victim_id=v, person=int(p) + 1)
            for v, p in zip(victim_ids, outcome.person, strict=True)
        ),
        batch_size=5000,
    )
    uncertain = outcome.uncertain(run.threshold)
    UncertainPair.objects.bulk_create(
        (
            UncertainPair(
                run=run,
                first_id=victim_ids[a],
                second_id=victim_ids[b],
                probability=p,
                name_dice=d,
            )
            for a, b, p, d in uncertain
        ),
        batch_size=5000,
    )
    run.records, run.persons = len(victim_ids), outcome.persons
    run.no_identifier, run.split = outcome.no_identifier, outcome.split
    run.pairs = outcome.pairs.table.num_rows if outcome.pairs is not None else 0
    if outcome.pairs is not None and outcome.pairs.untrained:
        run.message = (
            "Sesiones EM sin pares (valores m por defecto) / EM sessions without pairs "
            "(default m values): " + "; ".join(outcome.pairs.untrained)
        )
    run.status, run.progress, run.stage = LinkageRun.Status.SUCCEEDED, 100, "done"
    run.finished_at = timezone.now()
    run.save()
    # Older results are superseded; their runs stay listed (and audited) without keys.
    PersonKey.objects.filter(run__lt=run.pk).delete()
    UncertainPair.objects.filter(run__lt=run.pk).delete()


def export_rows(run: LinkageRun):
    """(institution, case reference, victim reference, person id) of every linked record."""
    return (
        PersonKey.objects.filter(run=run)
        .order_by("victim__case__institution__code", "victim__case__reference", "victim__reference")
        .values_list(
            "victim__case__institution__code",
            "victim__case__reference",
            "victim__reference",
            "person",
        )
        .iterator(chunk_size=5000)
    )


def memberships(run: LinkageRun) -> tuple[list[str], list[frozenset[str]]]:
    """The institutions (lists) of the run and, per person, the institutions that saw them."""
    seen: dict[int, set[str]] = {}
    for person, code in PersonKey.objects.filter(run=run).values_list(
        "person", "victim__case__institution__code"
    ):
        seen.setdefault(person, set()).add(code)
    lists = sorted(set().union(*seen.values())) if seen else []
    return lists, [frozenset(s) for s in seen.values()]


def write_persons(path: str, rows) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


@dataclass(frozen=True, slots=True)
class FilesResult:
    records: int
    persons: int
    no_identifier: int
    empty: list[str]  # files that held no record


def link_files(
    paths: Sequence[str], output: str, threshold: float = pipeline.DEFAULT_THRESHOLD
) -> FilesResult:
    """Federated linkage: links encoded files (checked to share key and parameters) and
    writes one line per record to ``output``. Needs no key and no database."""
    loaded = [encoded_files.read(p) for p in paths]
    encoded_files.check_compatible(loaded)
    references = [r for f in loaded for r in f.references]
    features = [x for f in loaded for x in f.features]
    outcome = pipeline.link_features(features, "encoded", threshold)
    write_persons(
        output,
        ((*ref, int(p) + 1) for ref, p in zip(references, outcome.person, strict=True)),
    )
    return FilesResult(
        len(references),
        outcome.persons,
        outcome.no_identifier,
        [f.path for f in loaded if not f.references],
    )
