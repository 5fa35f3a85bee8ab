"""Writing grouped cases to the database, one chunk per transaction.

Per chunk: the cases that already exist (institution + reference) are found with the
content hash the importer gave them; a case whose hash differs is updated and its children
replaced, an unchanged one is left alone; new cases and all children are inserted in bulk
(PostgreSQL: psycopg's ``COPY`` with ``write_row``; SQLite: the driver's ``executemany``),
without ids: the database numbers them, and they are read back by the natural keys
(institution + reference, case + victim reference). Values are prepared by the model fields
themselves (encryption, JSON, dates); foreign keys are checked by the database. The same
transaction adds the chunk's counts to its batches, writes one audit event per batch
naming the case ids it created and updated (as ranges) and quarantines the chunk's
rejected rows: a killed import leaves batches and audit log that agree with its cases.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
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
LOOKUP_SIZE = 900  # ids per IN (...) delete, within SQLite's older parameter limit
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
    if kind == "JSONField":
        # As JSON text, which both databases read into the column (and COPY sends as it
        # is); a CTDC record arrives as JSON text already (see normalise._ctdc_record).
        return lambda v: v if isinstance(v, str) else json.dumps(v, cls=field.encoder)
    if kind in ("DateField", "DateTimeField"):
        # Dates repeat (and an import's timestamp is one value).
        return functools.lru_cache(maxsize=4096)(lambda v: field.get_db_prep_save(v, connection))
    if getattr(field, "encrypted", False):
        return lambda v: field.get_db_prep_save(v, connection)
    return None


class Table:
    """Bulk inserts into one model's table: every column but the id and those the
    database fills itself (record keys), a row given as attribute → value."""

    def __init__(self, model):
        fields = [
            f for f in model._meta.concrete_fields if not f.primary_key and not f.has_db_default()
        ]
        self.position = {f.attname: i for i, f in enumerate(fields)}
        self.prepare = {f.attname: p for f in fields if (p := _preparer(f)) is not None}
        # The fields' defaults, prepared as any value is (``row`` starts from them).
        self.defaults: list = [None] * len(fields)
        self.defaults = self.row({f.attname: f.get_default() for f in fields if f.has_default()})
        quote = connection.ops.quote_name
        self.name, names = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        self.copy_sql = f"COPY {self.name} ({names}) FROM STDIN"
        marks = ", ".join(["%s"] * len(fields))
        self.insert_sql = f"INSERT INTO {self.name} ({names}) VALUES ({marks})"

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

    def insert(self, rows: Iterable[list], cursor) -> None:
        """Rows given as they are built: PostgreSQL reads the first ones while the next
        are made."""
        if connection.vendor == "postgresql":
            # psycopg's own cursor: its errors become Django's as the ORM's would.
            with connection.wrap_database_errors, cursor.cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(self.insert_sql, list(rows))

    def added(self, cursor, columns: str, rows: Iterable[list]) -> list[tuple]:
        """Inserts ``rows`` and reads the rows added since (``columns`` of them, id last):
        the database numbered them after the last id (ids only grow); rows that others
        added meanwhile are told apart by the caller's keys."""
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.name}")
        last = cursor.fetchone()[0]
        self.insert(rows, cursor)
        cursor.execute(f"SELECT {columns}, id FROM {self.name} WHERE id > %s", [last])
        return cursor.fetchall()


@dataclass
class Target:
    """Where a chunk is written: the import batch of each institution whose rows the file
    holds (created before the first chunk; None: rows of no known institution), the user,
    and how an institution a row only refers to is found (created if new)."""

    batches: dict[str | None, ImportBatch]
    actor_id: int | None
    ensure_institution: Callable[[str], int]
    _ids: dict[str, int] = dataclass_field(default_factory=dict)

    def institution_id(self, code: str) -> int:
        found = self._ids.get(code)
        if found is None:
            batch = self.batches.get(code)
            found = batch.institution_id if batch is not None else None
            found = self._ids[code] = found or self.ensure_institution(code)
        return found


@functools.cache
def _tables() -> dict:
    return {m: Table(m) for m in (Case, *CHILD_MODELS)}


def write(cases: list[CaseBundle], rejected: list[tuple], target: Target) -> Counts:
    """One chunk in one transaction: its cases and its rejected rows, each given as
    (institution whose batch keeps it, row number, cells by header, errors)."""
    batches = target.batches
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and outermost:
            # The import's last statements commit synchronously, which flushes every
            # earlier commit to disk before the import reports done.
            cursor.execute("SET LOCAL synchronous_commit = off")
        writer = _ChunkWriter(target, cursor)
        counts = writer.cases(cases)
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(batch=batches[code], row_number=number, raw=raw, errors=errors)
                for code, number, raw, errors in rejected
            ],
            batch_size=500,
        )
        for code, *_rest in rejected:
            writer.counted[batches[code].pk]["rejected"] += 1
        # In batch order: concurrent writers lock the batch rows in one order, never a cycle.
        for batch_id, added in sorted(writer.counted.items()):
            ImportBatch.objects.filter(pk=batch_id).update(
                **{name: F(name) + count for name, count in added.items()}
            )
    return counts


def analyse_cases() -> None:
    """On PostgreSQL, the case table's statistics for the existing-case lookup (see
    ``ANALYZE_FIRST``). Only the lookup's columns: the summaries' statistics (and the
    trigram index's expression) cost more than the rest of the table's."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Case._meta.db_table} (institution_id, reference)")


def finish(added: int) -> None:
    """After an import that added ``ANALYZE_FIRST`` cases or more, on PostgreSQL: the
    children's statistics too. Pages read a page of cases' children by case id; planned
    from the statistics of a much smaller table, that is a scan of every child row
    (25–33 ms of PostgreSQL per table at 100,000 cases) instead of 50 index lookups.
    Autovacuum would analyse them a minute or more later, and never where it is off.
    A role that does not own a table gets a warning from ANALYZE, not an error.
    Not inside a caller's transaction, which may still roll the rows back."""
    if connection.vendor != "postgresql" or added < ANALYZE_FIRST or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in CHILD_MODELS:
            cursor.execute(f"ANALYZE {_tables()[model].name}")


class _ChunkWriter:
    """The cases of one chunk, inside its transaction."""

    def __init__(self, target: Target, cursor):
        self.batches, self.actor_id, self.cursor = target.batches, target.actor_id, cursor
        self.institution_id = target.institution_id
        self.tables = _tables()
        self.now = timezone.now()
        self.counted: dict[int, Counter] = defaultdict(Counter)  # batch id → its counts

    def _existing(self, cases: list[CaseBundle]) -> dict[tuple[str, str], tuple[int, str]]:
        by_institution: dict[str, list[str]] = defaultdict(list)
        for bundle in cases:
            by_institution[bundle.institution].append(bundle.reference)
        # The references as one parameter (an array, a JSON list): no SQL of thousands of
        # placeholders to build and parse per chunk.
        listed: Callable[[list[str]], str | list[str]] = json.dumps
        among = "IN (SELECT value FROM json_each(%s))"
        if connection.vendor == "postgresql":
            among, listed = "= ANY(%s)", lambda references: references
        sql = (
            f"SELECT reference, id, content_hash FROM {self.tables[Case].name} "
            f"WHERE institution_id = %s AND reference {among}"
        )
        found = {}
        for code, references in by_institution.items():
            self.cursor.execute(sql, [self.institution_id(code), listed(references)])
            found.update({(code, r): (pk, digest) for r, pk, digest in self.cursor.fetchall()})
        return found

    def cases(self, cases: list[CaseBundle]) -> Counts:
        existing = self._existing(cases)
        new, changed, unchanged = [], [], []
        for bundle in cases:
            found = existing.get(bundle.key)
            if found is None:
                new.append(bundle)
            elif found[1] == bundle.digest:
                unchanged.append(bundle)
            else:
                changed.append((found[0], bundle))
        self._update(changed)
        codes = {bundle.institution for bundle in new}
        ids_of = {code: self.institution_id(code) for code in codes}
        batch_of = {code: self.batches[code].pk for code in codes}
        fixed = {"created_by_id": self.actor_id, "created_at": self.now, "updated_at": self.now}
        table = self.tables[Case]
        rows = (
            table.row(
                {
                    **bundle.fields,
                    **fixed,
                    "institution_id": ids_of[bundle.institution],
                    "reference": bundle.reference,
                    "import_batch_id": batch_of[bundle.institution],
                    "content_hash": bundle.digest,
                }
            )
            for bundle in new
        )
        code_of = {pk: code for code, pk in ids_of.items()}
        added = table.added(self.cursor, "institution_id, reference", rows)
        ids = {(code_of.get(institution), reference): pk for institution, reference, pk in added}
        created = [(ids[bundle.key], bundle) for bundle in new]
        self._children(created + changed)
        self._account(created=created, updated=changed, unchanged=unchanged)
        return Counts(len(new), len(changed), len(unchanged))

    def _update(self, changed: list[tuple[int, CaseBundle]]) -> None:
        """Changed cases: their fields rewritten, their children deleted (to be inserted
        again), without the ORM's delete signals: they would tell each case it was edited
        outside the importer, which is about to rewrite it."""
        for start in range(0, len(changed), LOOKUP_SIZE):
            part = [case_id for case_id, _bundle in changed[start : start + LOOKUP_SIZE]]
            for model in CHILD_MODELS:
                model.objects.filter(case_id__in=part)._raw_delete(connection.alias)
        for case_id, bundle in changed:
            Case.objects.filter(pk=case_id).update(
                **{attr: bundle.fields.get(attr, default) for attr, default in _case_defaults()},
                updated_at=self.now,
                content_hash=bundle.digest,
                import_batch_id=self.batches[bundle.institution].pk,
            )

    def _children(self, written: list[tuple[int, CaseBundle]]) -> None:
        t = self.tables
        victims = (
            t[Victim].row({**part.fields, "case_id": case_id})
            for case_id, bundle in written
            for part in bundle.parts
            if part.is_victim
        )
        added = t[Victim].added(self.cursor, "case_id, reference", victims)
        victim_ids = {(case_id, reference): pk for case_id, reference, pk in added}
        rows: dict = defaultdict(list)
        for case_id, bundle in written:
            for part in bundle.parts:
                victim = victim_ids.get((case_id, part.fields.get("reference")))
                ids = {"case_id": case_id, "victim_id": victim if part.is_victim else None}
                for phase, technology, platform in part.technologies:
                    row = {**ids, "phase": phase, "technology": technology, "platform": platform}
                    rows[TechnologyUse].append(t[TechnologyUse].row(row))
                for kind in part.assistance:
                    rows[Assistance].append(t[Assistance].row({**ids, "type": kind}))
            setting = bundle.fields.get("exploitation_setting", "")
            for kind in bundle.exploitation_types:
                row = {"case_id": case_id, "type": kind, "setting": setting}
                rows[Exploitation].append(t[Exploitation].row(row))
            for person in bundle.perpetrators:
                rows[Perpetrator].append(t[Perpetrator].row({**person, "case_id": case_id}))
            if bundle.referred_from or bundle.referred_to:
                rows[Referral] += [t[Referral].row(row) for row in self._referrals(case_id, bundle)]
        for model, model_rows in rows.items():
            if model_rows:
                t[model].insert(model_rows, self.cursor)

    def _referrals(self, case_id: int, bundle: CaseBundle) -> list[dict]:
        from_id = self.institution_id(bundle.referred_from) if bundle.referred_from else None
        targets: list[int | None] = [self.institution_id(code) for code in bundle.referred_to]
        return [
            {"case_id": case_id, "from_institution_id": from_id, "to_institution_id": to_id}
            for to_id in targets or [None]
        ]

    def _account(self, *, created: list, updated: list, unchanged: list) -> None:
        """Each batch's counts (into ``counted``) and one audit event per batch of the
        chunk, naming the case ids it created and updated as ranges (per-case events would
        cost more to write than the cases themselves)."""
        per_code: dict[str, dict] = defaultdict(lambda: {"created": [], "updated": [], "same": 0})
        for case_id, bundle in created:
            per_code[bundle.institution]["created"].append(case_id)
        for case_id, bundle in updated:
            per_code[bundle.institution]["updated"].append(case_id)
        for bundle in unchanged:
            per_code[bundle.institution]["same"] += 1
        for code, ids in per_code.items():
            batch = self.batches[code]
            self.counted[batch.pk].update(stored=len(ids["created"]), updated=len(ids["updated"]))
            services.record_import(
                batch, created=ids["created"], updated=ids["updated"], unchanged=ids["same"]
            )


@functools.cache
def _case_defaults() -> list[tuple[str, object]]:
    """(attribute, value when a changed case's rows leave it empty) of the file's fields."""
    fields = [Case._meta.get_field(attr) for attr in CASE_FIELDS.values()]
    return [(f.name, f.get_default() if f.has_default() else None) for f in fields]  # type: ignore[union-attr]
