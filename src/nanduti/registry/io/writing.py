"""Writing grouped cases to the database, one chunk per transaction.

A chunk's table rows are built before its transaction (on SQLite another process holds
the one write lock meanwhile), their values prepared by the model fields themselves
(encryption, JSON, dates). In the transaction: existing cases (institution + reference)
are found with their content hash; a changed case is updated and its children replaced,
an unchanged one left alone; new cases and all children are inserted in bulk (PostgreSQL:
psycopg's ``COPY`` ``write_row``; SQLite: ``executemany``) without ids: the database
numbers them and they are read back by their keys. Foreign keys are checked by the
database. The same transaction adds the chunk's counts to its batches, writes one audit
event per batch and quarantines the rejected rows: a killed import leaves batches and
audit log that agree with its cases.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from nanduti.registry import services
from nanduti.registry.flat import CASE_FIELDS, CaseBundle
from nanduti.registry.models import (
    Assistance,
    Case,
    Exploitation,
    ImportBatch,
    Perpetrator,
    Referral,
    RejectedRow,
    TechnologyUse,
    Victim,
)

# Children in an order they can be deleted in: uses and assistance point to victims.
CHILD_MODELS = (TechnologyUse, Assistance, Exploitation, Perpetrator, Referral, Victim)
# PostgreSQL plans the existing-case lookup from statistics, which a bulk import outgrows
# (a plan for "110 cases" run against 300,000 took 100 ms a chunk): the case table is
# analysed when the cases added reach this many, then double that, and so on.
ANALYZE_FIRST = 20_000


@dataclass
class Counts:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0


def _preparer(field) -> Callable | None:
    """How a value reaches the database as the field would send it; None: as it is."""
    kind = field.get_internal_type()
    if kind == "JSONField":  # a CTDC record arrives as JSON text already
        return lambda v: v if isinstance(v, str) else json.dumps(v, cls=field.encoder)
    if kind in ("DateField", "DateTimeField"):  # dates repeat
        return functools.lru_cache(4096)(lambda v: field.get_db_prep_save(v, connection))
    if getattr(field, "encrypted", False):
        return lambda v: field.get_db_prep_save(v, connection)
    return None


class Table:
    """Bulk inserts into one model's table: every column but the id and those the
    database fills itself, a row built from attribute → value over the fields' defaults."""

    def __init__(self, model):
        fields = [
            f for f in model._meta.concrete_fields if not f.primary_key and not f.has_db_default()
        ]
        self.position = {f.attname: i for i, f in enumerate(fields)}
        self.prepare = {f.attname: p for f in fields if (p := _preparer(f)) is not None}
        self.defaults: list = [None] * len(fields)
        self.defaults = self.row({f.attname: f.get_default() for f in fields if f.has_default()})
        self.case_at, self.victim_at = self.position.get("case_id"), self.position.get("victim_id")
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in fields)
        self.name = table = quote(model._meta.db_table)
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        self.insert_sql = (
            f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
        )

    def row(self, values: dict) -> list:
        row = self.defaults.copy()
        position = self.position
        for attname, value in values.items():
            row[position[attname]] = value
        for attname, how in self.prepare.items():
            if attname in values:
                at = position[attname]
                row[at] = how(row[at])
        return row

    def insert(self, rows: list[list]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.executemany(self.insert_sql, rows)
                return
            # psycopg's own cursor: its errors become Django's as the ORM's would.
            with connection.wrap_database_errors, cursor.cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)


@functools.cache
def _tables() -> dict:
    return {m: Table(m) for m in (Case, *CHILD_MODELS)}


@dataclass
class Target:
    """Where a chunk is written: the import batch of each institution whose rows the file
    holds (None: rows of no known institution), the user, and how an institution a row
    only refers to is found (created if new)."""

    batches: dict[str | None, ImportBatch]
    actor_id: int | None
    ensure_institution: Callable[[str], int]
    _ids: dict[str, int] = dataclass_field(default_factory=dict)

    def institution_id(self, code: str) -> int:
        if code not in self._ids:
            batch = self.batches.get(code)
            found = batch.institution_id if batch is not None else None
            self._ids[code] = found or self.ensure_institution(code)
        return self._ids[code]


@dataclass
class _Rows:
    """A case's table rows; the ids of its case (and victims) are filled in once known."""

    case: list
    victims: list[list]
    children: list[tuple[Table, list, str | None]]  # table, row, its victim's reference


def _rows(bundle: CaseBundle, target: Target, now) -> _Rows:
    t = _tables()
    case = t[Case].row(
        {
            **bundle.fields,
            "institution_id": target.institution_id(bundle.institution),
            "reference": bundle.reference,
            "created_by_id": target.actor_id,
            "created_at": now,
            "updated_at": now,
            "import_batch_id": target.batches[bundle.institution].pk,
            "content_hash": bundle.digest,
        }
    )
    victims, children = [], []
    for part in bundle.parts:
        victim = part.fields["reference"] if part.is_victim else None
        if victim is not None:
            victims.append(t[Victim].row(part.fields))
        for phase, technology, platform in part.technologies:
            use = {"phase": phase, "technology": technology, "platform": platform}
            children.append((t[TechnologyUse], t[TechnologyUse].row(use), victim))
        children += [
            (t[Assistance], t[Assistance].row({"type": k}), victim) for k in part.assistance
        ]
    setting = bundle.fields.get("exploitation_setting", "")
    for kind in bundle.exploitation_types:
        children.append(
            (t[Exploitation], t[Exploitation].row({"type": kind, "setting": setting}), None)
        )
    children += [
        (t[Perpetrator], t[Perpetrator].row(person), None) for person in bundle.perpetrators
    ]
    from_id = target.institution_id(bundle.referred_from) if bundle.referred_from else None
    to_ids: list[int | None] = [target.institution_id(code) for code in bundle.referred_to]
    for to_id in to_ids or ([None] if from_id else []):
        ids = {"from_institution_id": from_id, "to_institution_id": to_id}
        children.append((t[Referral], t[Referral].row(ids), None))
    return _Rows(case, victims, children)


def _existing(cases: list[CaseBundle], target: Target) -> dict[tuple[str, str], tuple[int, str]]:
    """(institution, reference) → (id, content hash) of the chunk's cases already stored."""
    by_institution: dict[str, list[str]] = defaultdict(list)
    for bundle in cases:
        by_institution[bundle.institution].append(bundle.reference)
    # The references as one parameter (an array, a JSON list): no SQL of thousands of
    # placeholders to build and parse per chunk.
    listed: Callable[[list[str]], str | list[str]] = json.dumps
    among = "IN (SELECT value FROM json_each(%s))"
    if connection.vendor == "postgresql":
        among, listed = "= ANY(%s)", list
    sql = (
        f"SELECT reference, id, content_hash FROM {Case._meta.db_table} "
        f"WHERE institution_id = %s AND reference {among}"
    )
    found = {}
    with connection.cursor() as cursor:
        for code, references in by_institution.items():
            cursor.execute(sql, [target.institution_id(code), listed(references)])
            found.update({(code, r): (pk, digest) for r, pk, digest in cursor.fetchall()})
    return found


def _inserted(table: Table, rows: list[list], parent: str) -> dict[tuple, int]:
    """Inserts rows and reads their ids back by (parent id, reference): the database
    numbers them after the last id; others' rows that came meanwhile are told apart."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {table.name}")
        last = cursor.fetchone()[0] or 0
        table.insert(rows)
        cursor.execute(f"SELECT {parent}, reference, id FROM {table.name} WHERE id > %s", [last])
        return {(owner, reference): pk for owner, reference, pk in cursor.fetchall()}


def write(cases: list[CaseBundle], rejected: list[tuple], target: Target) -> Counts:
    """One chunk in one transaction: its cases and its rejected rows, each given as
    (institution whose batch keeps it, row number, cells by header, errors)."""
    now = timezone.now()
    # Rows built beforehand for the cases not stored unchanged (looked up again inside).
    before = _existing(cases, target) if cases else {}
    built = {
        b.key: _rows(b, target, now) for b in cases if before.get(b.key, (0, ""))[1] != b.digest
    }
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # The import's last statements commit synchronously, which flushes every
            # earlier commit to disk before the import reports done.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        counts, counted = _write_cases(cases, built, target, now)
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(batch=target.batches[code], row_number=n, raw=raw, errors=errors)
                for code, n, raw, errors in rejected
            ],
            batch_size=500,
        )
        for code, *_rest in rejected:
            counted[target.batches[code].pk]["rejected"] += 1
        # In batch order: concurrent writers lock the batch rows in one order, never a cycle.
        for batch_id, added in sorted(counted.items()):
            ImportBatch.objects.filter(pk=batch_id).update(
                **{name: F(name) + count for name, count in added.items()}
            )
    return counts


def _write_cases(cases: list[CaseBundle], built: dict, target: Target, now):
    existing = _existing(cases, target) if cases else {}
    new, changed, unchanged = [], [], []
    for bundle in cases:
        pk, digest = existing.get(bundle.key, (None, ""))
        if pk is None:
            new.append(bundle)
        elif digest == bundle.digest:
            unchanged.append(bundle)
        else:
            changed.append((pk, bundle))
    replaced = [pk for pk, _bundle in changed]
    for part in (replaced[at : at + 900] for at in range(0, len(replaced), 900)):  # SQLite's 999
        for model in CHILD_MODELS:
            # Without the ORM's delete signals: they would tell each case it was edited
            # outside the importer, which is about to rewrite it.
            model.objects.filter(case_id__in=part)._raw_delete(connection.alias)
    for pk, bundle in changed:
        Case.objects.filter(pk=pk).update(
            **{attr: bundle.fields.get(attr, _default(attr)) for attr in CASE_FIELDS.values()},
            updated_at=now,
            content_hash=bundle.digest,
            import_batch_id=target.batches[bundle.institution].pk,
        )
    rows = {
        b.key: built.get(b.key) or _rows(b, target, now) for b in new + [b for _pk, b in changed]
    }
    t = _tables()
    ids = _inserted(t[Case], [rows[b.key].case for b in new], "institution_id")
    created = [(ids[target.institution_id(b.institution), b.reference], b) for b in new]
    written = [(pk, rows[b.key]) for pk, b in created + changed]
    victims = []
    for case_id, case_rows in written:
        for row in case_rows.victims:
            row[t[Victim].case_at] = case_id
            victims.append(row)
    victim_ids = _inserted(t[Victim], victims, "case_id")
    children: dict[Table, list] = defaultdict(list)
    for case_id, case_rows in written:
        for table, row, victim in case_rows.children:
            row[table.case_at] = case_id
            if victim is not None:
                row[table.victim_at] = victim_ids[case_id, victim]
            children[table].append(row)
    for table, table_rows in children.items():
        table.insert(table_rows)
    counted = _account(target, created, changed, unchanged)
    return Counts(len(new), len(changed), len(unchanged)), counted


def _account(target: Target, created: list, updated: list, unchanged: list):
    """Each batch's counts and one audit event per batch of the chunk, naming the case ids
    it created and updated as ranges (per-case events would cost more to write than the
    cases themselves)."""
    per_code: dict[str, dict] = defaultdict(lambda: {"created": [], "updated": [], "same": 0})
    for name, pairs in (("created", created), ("updated", updated)):
        for case_id, bundle in pairs:
            per_code[bundle.institution][name].append(case_id)
    for bundle in unchanged:
        per_code[bundle.institution]["same"] += 1
    counted: dict[int, Counter] = defaultdict(Counter)  # batch id → its counts
    for code, ids in per_code.items():
        batch = target.batches[code]
        counted[batch.pk].update(stored=len(ids["created"]), updated=len(ids["updated"]))
        services.record_import(
            batch, created=ids["created"], updated=ids["updated"], unchanged=ids["same"]
        )
    return counted


def _default(attr: str):
    field = Case._meta.get_field(attr)
    return field.get_default() if field.has_default() else None  # type: ignore[union-attr]


def analyse_cases() -> None:
    """On PostgreSQL, the case table's statistics for the existing-case lookup (see
    ``ANALYZE_FIRST``). Only the lookup's columns: the summaries' statistics (and the
    trigram index's expression) cost more than the rest of the table's."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Case._meta.db_table} (institution_id, reference)")


def finish(added: int) -> None:
    """After an import that added ``ANALYZE_FIRST`` cases or more, on PostgreSQL: the
    children's statistics too, which pages reading a page of cases' children need (planned
    from an empty table's, that is a scan of every child row). Autovacuum would analyse
    them a minute or more later, and never where it is off. Not inside a caller's
    transaction, which may still roll the rows back."""
    if connection.vendor != "postgresql" or added < ANALYZE_FIRST or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in CHILD_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
