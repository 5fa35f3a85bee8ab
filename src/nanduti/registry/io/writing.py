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
from django.db.models import F, Field, Max
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
LOOKUP_SIZE = 900  # values per IN (...) lookup, within SQLite's older parameter limit
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
        prepared: dict = {}  # dates repeat (and an import's timestamp is one value)

        def prepare(value):
            if value not in prepared:
                prepared[value] = field.get_db_prep_save(value, connection)
            return prepared[value]

        return prepare
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
        names = ", ".join(quote(f.column) for f in fields)
        table = quote(model._meta.db_table)
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        marks = ", ".join(["%s"] * len(fields))
        self.insert_sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"

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

    def insert(self, rows: Iterable[list]) -> None:
        """Rows given as they are built: PostgreSQL reads the first ones while the next
        are made."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # psycopg's own cursor: its errors become Django's as the ORM's would.
                with connection.wrap_database_errors, cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, list(rows))


def _parts(values: list, size: int = LOOKUP_SIZE):
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
    now = timezone.now()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # The import's last statements commit synchronously, which flushes every
            # earlier commit to disk before the import reports done.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        writer = _ChunkWriter(target, now)
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
    A role that does not own a table gets a warning from ANALYZE, not an error."""
    if connection.vendor != "postgresql" or added < ANALYZE_FIRST:
        return
    if connection.in_atomic_block:
        return  # the caller's transaction may still roll the rows back
    with connection.cursor() as cursor:
        for model in CHILD_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class _ChunkWriter:
    """The cases of one chunk, inside its transaction."""

    def __init__(self, target: Target, now):
        self.batches = target.batches
        self.institution_id = target.institution_id
        self.actor_id = target.actor_id
        self.tables = _tables()
        self.now = now
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
            f"SELECT reference, id, content_hash FROM {Case._meta.db_table} "
            f"WHERE institution_id = %s AND reference {among}"
        )
        found = {}
        with connection.cursor() as cursor:
            for code, references in by_institution.items():
                cursor.execute(sql, [self.institution_id(code), listed(references)])
                found.update({(code, r): (pk, digest) for r, pk, digest in cursor.fetchall()})
        return found

    def cases(self, cases: list[CaseBundle]) -> Counts:
        batches, now = self.batches, self.now
        existing = self._existing(cases)
        new, changed, unchanged = [], [], []
        for bundle in cases:
            digest = bundle.digest
            found = existing.get(bundle.key)
            if found is None:
                new.append((bundle, digest))
            elif found[1] == digest:
                unchanged.append(bundle)
            else:
                changed.append((found[0], bundle, digest))
        for part in _parts([case_id for case_id, _b, _d in changed]):
            for model in CHILD_MODELS:
                # Without the ORM's delete signals: they would tell each case it was edited
                # outside the importer, which is about to rewrite it.
                model.objects.filter(case_id__in=part)._raw_delete(connection.alias)
        for case_id, bundle, digest in changed:
            values = {
                attr: bundle.fields.get(attr, _default(attr)) for attr in CASE_FIELDS.values()
            }
            Case.objects.filter(pk=case_id).update(
                **values,
                updated_at=now,
                content_hash=digest,
                import_batch_id=batches[bundle.institution].pk,
            )
        case_table = self.tables[Case]
        last = _last_id(Case)
        case_table.insert(
            case_table.row(
                {
                    **bundle.fields,
                    "institution_id": self.institution_id(bundle.institution),
                    "reference": bundle.reference,
                    "created_by_id": self.actor_id,
                    "created_at": now,
                    "updated_at": now,
                    "import_batch_id": batches[bundle.institution].pk,
                    "content_hash": digest,
                }
            )
            for bundle, digest in new
        )
        # The database numbered them after ``last`` (ids only grow); others' rows that
        # came meanwhile are told apart by the key.
        rows = Case.objects.filter(pk__gt=last).values_list("institution_id", "reference", "id")
        ids = {(institution, reference): pk for institution, reference, pk in rows}
        created = [(ids[self.institution_id(b.institution), b.reference], b) for b, _d in new]
        updated = [(i, b) for i, b, _d in changed]
        self._children(created + updated)
        self._account(created=created, updated=updated, unchanged=unchanged)
        return Counts(len(new), len(changed), len(unchanged))

    def _children(self, written: list[tuple[int, CaseBundle]]) -> None:
        t = self.tables
        last = _last_id(Victim)
        t[Victim].insert(
            t[Victim].row({**part.fields, "case_id": case_id})
            for case_id, bundle in written
            for part in bundle.parts
            if part.is_victim
        )
        found = Victim.objects.filter(pk__gt=last).values_list("case_id", "reference", "id")
        victim_ids: dict[tuple[int, object], int] = {
            (case_id, reference): pk for case_id, reference, pk in found
        }
        rows: dict = defaultdict(list)
        for case_id, bundle in written:
            for part in bundle.parts:
                victim = (
                    victim_ids.get((case_id, part.fields.get("reference")))
                    if part.is_victim
                    else None
                )
                ids = {"case_id": case_id, "victim_id": victim}
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
            for from_id, to_id in self._referrals(bundle):
                row = {
                    "case_id": case_id,
                    "from_institution_id": from_id,
                    "to_institution_id": to_id,
                }
                rows[Referral].append(t[Referral].row(row))
        for model in (TechnologyUse, Assistance, Exploitation, Perpetrator, Referral):
            if rows[model]:
                t[model].insert(rows[model])

    def _referrals(self, bundle: CaseBundle) -> list[tuple[int | None, int | None]]:
        from_id = self.institution_id(bundle.referred_from) if bundle.referred_from else None
        targets: list[int | None] = [self.institution_id(code) for code in bundle.referred_to]
        return [(from_id, to_id) for to_id in targets or ([None] if from_id else [])]

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


def _last_id(model) -> int:
    return model.objects.aggregate(last=Max("pk"))["last"] or 0


def _default(attr: str):
    field = Case._meta.get_field(attr)
    assert isinstance(field, Field)  # a column of the case, not a reverse relation
    return field.get_default() if field.has_default() else None
