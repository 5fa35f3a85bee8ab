"""Writing cases: the one way a case and its children are created, changed and deleted.

The web form, the API, the review queue and the admin write through :func:`save_case` and
:func:`delete_case`; the importer writes in bulk and records each batch with
:func:`record_import`. What every write gets, in one transaction (a write that fails leaves
no audit event, and no event names a write that did not happen):

- audit events written explicitly: one per object created, changed or deleted (the fields
  that changed; identifying values hidden) for a single case; one per batch for imports;
- optimistic concurrency: an update locks the case row and, given ``expected_version``, is
  refused with :class:`StaleVersion` when someone saved the case since; each write adds one
  to ``Case.version`` (children are written only with their case, so it covers them);
- ``content_hash`` cleared: the case is no longer what a file said, so a re-import updates it;
- a reference when none was given (``<year>-<n>``), and the next free number for a new
  victim without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from nanduti.registry import audit
from nanduti.registry.concurrency import StaleVersion, lock_case
from nanduti.registry.models import (
    Assistance,
    AuditEvent,
    Case,
    Exploitation,
    ImportBatch,
    Perpetrator,
    Referral,
    TechnologyUse,
    Victim,
)

# What a case holds (each has a ``case`` foreign key).
CaseChild = Victim | Perpetrator | TechnologyUse | Exploitation | Referral | Assistance

__all__ = [
    "CHILD_RELATIONS",
    "StaleVersion",
    "delete_case",
    "id_ranges",
    "lock_case",
    "next_reference",
    "record_import",
    "save_case",
]

# The case's children, by their related name (each has a ``case`` foreign key).
CHILD_RELATIONS = (
    "victims",
    "technologies",
    "exploitations",
    "perpetrators",
    "referrals",
    "assistance",
)


def next_reference(institution_id: int, year: int) -> str:
    """``<year>-<n>``: the next free number of the institution's cases for that year."""
    prefix = f"{year}-"
    own = Case.objects.filter(institution_id=institution_id)
    n = own.filter(reference__startswith=prefix).count() + 1
    while own.filter(reference=f"{prefix}{n:05d}").exists():
        n += 1
    return f"{prefix}{n:05d}"


def _number_new_victims(case: Case, children: Sequence[CaseChild]) -> None:
    """A new victim without a reference, or with one the case already uses, gets the next
    free number (forms and the API never ask for one)."""
    new = [c for c in children if isinstance(c, Victim) if c.pk is None]
    if not new:
        return
    used = set(Victim.objects.filter(case_id=case.pk).values_list("reference", flat=True))
    for victim in new:
        if not victim.reference or victim.reference in used:
            n = 1
            while str(n) in used:
                n += 1
            victim.reference = str(n)
        used.add(victim.reference)


def _stored(children: Sequence[CaseChild]) -> dict[tuple[type, int], CaseChild]:
    """The stored version of each existing child, to compare the new one with."""
    ids: dict[type[CaseChild], list[int]] = {}
    for child in children:
        if child.pk is not None:
            ids.setdefault(type(child), []).append(child.pk)
    found = {}
    for model, pks in ids.items():
        for pk, obj in model._default_manager.in_bulk(pks).items():
            found[(model, pk)] = obj
    return found


@transaction.atomic
def save_case(
    case: Case,
    *,
    actor,
    children: Iterable[CaseChild] = (),
    removed: Iterable[CaseChild] = (),
    expected_version: int | None = None,
) -> Case:
    """Create ``case`` (no pk) or write it over the stored one, with its children.

    ``children`` are new or changed children, saved in the order given (a technology that
    names a victim after that victim); ``removed`` are deleted. ``expected_version`` None
    writes without comparing versions (the caller applied named fields to a fresh row).
    ``actor`` is the user the audit trail names (None: the one of :func:`audit.acting_as`
    or the request, if any).
    """
    children, removed = list(children), list(removed)
    events = []
    if case.pk is None:
        before = None
        case.version = 1
        if case.created_by_id is None and actor is not None and actor.is_authenticated:
            case.created_by = actor
    else:
        before = lock_case(case.pk, expected_version)
        case.version = before.version + 1
    case.content_hash = ""
    if not case.reference:
        year = case.year or (case.reported_on.year if case.reported_on else None)
        case.reference = next_reference(case.institution_id, year or timezone.now().year)
    case.save()
    if before is None:
        events.append(audit.event(case, "create", audit.created(case), actor))
    else:
        if changes := audit.changed(before, case):
            events.append(audit.event(case, "update", changes, actor))
    for child in removed:
        if child.case_id != case.pk:
            raise ValueError(f"{child._meta.model_name} {child.pk} is not a child of {case}")
        events.append(audit.event(child, "delete", {}, actor))
        child.delete()
    for child in children:
        child.case = case
    _number_new_victims(case, children)
    stored = _stored(children)
    for child in children:
        old = stored.get((type(child), child.pk)) if child.pk is not None else None
        if child.pk is not None and (old is None or old.case_id != case.pk):
            raise ValueError(f"{child._meta.model_name} {child.pk} is not a child of {case}")
        child.save()
        if old is None:
            events.append(audit.event(child, "create", audit.created(child), actor))
        elif changes := audit.changed(old, child):
            events.append(audit.event(child, "update", changes, actor))
    AuditEvent.objects.bulk_create(events)
    return case


@transaction.atomic
def delete_case(case: Case, *, actor, expected_version: int | None = None) -> None:
    """Delete the case and its children; an event for each (children first)."""
    stored = lock_case(case.pk, expected_version)
    events = [
        audit.event(child, "delete", {}, actor)
        for name in CHILD_RELATIONS
        for child in getattr(stored, name).order_by("pk")
    ]
    events.append(audit.event(stored, "delete", {}, actor))
    AuditEvent.objects.bulk_create(events)
    stored.delete()


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as ``[[first, last], …]``, consecutive ones merged."""
    ranges: list[list[int]] = []
    for i in sorted(ids):
        if ranges and ranges[-1][1] + 1 >= i:
            ranges[-1][1] = max(ranges[-1][1], i)
        else:
            ranges.append([i, i])
    return ranges


def record_import(
    batch: ImportBatch,
    *,
    created: Iterable[int] = (),
    updated: Iterable[int] = (),
    unchanged: int = 0,
) -> AuditEvent | None:
    """The audit event of one import batch (or one chunk of it): the ids of the cases it
    created and updated, as ranges, in the name of the batch's user. Call it in the
    transaction that wrote those cases; a chunk that changed nothing writes no event.
    Per-case events would cost more to write than the cases themselves; the case history
    finds a case in these ranges."""
    created, updated = list(created), list(updated)
    if not created and not updated:
        return None
    return AuditEvent.objects.create(
        actor_id=batch.created_by_id,
        institution_id=batch.institution_id,
        action="import",
        model="case",
        object_id=str(batch.pk),
        changes={
            "batch": batch.pk,
            "file": batch.original_name,
            "sha256": batch.sha256,
            "created": id_ranges(created),
            "updated": id_ranges(updated),
            "counts": {"created": len(created), "updated": len(updated), "unchanged": unchanged},
        },
    )
