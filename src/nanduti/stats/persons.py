"""Unique persons (from ``nanduti.linkage``) as a counting unit for the cross-tabs.

A person is counted once in every cell where any of their victim records falls, and once
in every total. Persons come from the current linkage run; a victim recorded after that
run has no person key yet and counts as a person of their own until the next run.
"""

from __future__ import annotations

from django.db.models import F, FilteredRelation, Q
from django.db.models.functions import Coalesce

from nanduti.linkage.models import LinkageRun
from nanduti.localtime import local_time
from nanduti.stats.fields import FieldError

UNIT = "persons"
KEY = "person_unit"


class NoLinkageRun(FieldError):
    """Counting persons before any linkage run: reported like any unknown choice."""


def current_run() -> LinkageRun:
    run = LinkageRun.current()
    if run is None:
        raise NoLinkageRun(LinkageRun.NONE_YET)
    return run


def annotate(victims, run: LinkageRun):
    """Victims annotated with ``person_unit``: their person, or minus their id if unlinked."""
    keyed = victims.annotate(
        run_key=FilteredRelation("linkage_keys", condition=Q(linkage_keys__run=run))
    )
    return keyed.annotate(**{KEY: Coalesce(F("run_key__person"), -F("pk"))})


def describe(run: LinkageRun) -> dict:
    return {
        "run": run.pk,
        "mode": run.mode,
        "threshold": run.threshold,
        "finished_at": run.finished_at.isoformat(timespec="seconds") if run.finished_at else None,
        "records": run.records,
        "persons": run.persons,
    }


def method_note(described: dict) -> str:
    d = {**described, "finished_at": local_time(described.get("finished_at")) or "—"}
    return (
        f"Personas únicas según el enlace de registros n.º {d['run']} (modo {d['mode']}, "
        f"umbral de probabilidad {d['threshold']}, {d['finished_at']}): {d['records']} "
        f"registros de víctimas, {d['persons']} personas; cada persona cuenta una vez en cada "
        "celda donde aparece alguno de sus registros / Unique persons from linkage run "
        f"#{d['run']} ({d['mode']} mode, match-probability threshold {d['threshold']}, "
        f"{d['finished_at']}): {d['records']} victim records, {d['persons']} persons; each "
        "person counts once in every cell where any of their records falls"
    )
