"""Writing grouped cases to the database, one chunk per transaction.

Existing cases (institution + reference) are found with their content hash: a changed one
is rewritten with its children, an unchanged one left alone. New cases and all children go
in bulk (psycopg's ``COPY``/``write_row``; SQLite: ``executemany``) without ids: the
database numbers them, read back by natural keys. The model fields prepare the values; the
database checks the foreign keys. The same transaction adds the chunk's counts to its
batches, writes one audit event per batch and quarantines the rejected rows."""

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

from nanduti.registry import models, services
from nanduti.registry.flat import CASE_FIELDS, CaseBundle
from nanduti.registry.io.grouping import Rejected
from nanduti.registry.models import Case, ImportBatch

# Children in an order they can be deleted in: uses and assistance point to victims.
CHILD_MODELS = (
    models.TechnologyUse,
    models.Assistance,
    models.Exploitation,
    models.Perpetrator,
    models.Referral,
    models.Victim,
)
# The columns each table's rows give first, in this order, as a tuple (see ``Table.row``).
GIVEN = {
    Case: ("institution_id", "created_by_id", "import_batch_id", "created_at", "updated_at")
    + ("reference", "content_hash"),
    models.Victim: ("case_id",),
    models.TechnologyUse: ("case_id", "victim_id", "phase", "technology", "platform"),
    models.Assistance: ("case_id", "victim_id", "type"),
    models.Exploitation: ("case_id", "type", "setting"),
    models.Perpetrator: ("case_id",),
    models.Referral: ("case_id", "from_institution_id", "to_institution_id"),
}
LOOKUP_SIZE = 900  # ids per IN (...) delete, within SQLite's older parameter limit
# The existing-case lookup is planned from statistics, which a bulk import outgrows (planned
# for 110 cases, it took 100 ms a chunk at 300,000): the case table is analysed (PostgreSQL)
# when the cases added reach this many, then double that, and so on.
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
        # As JSON text, which both databases read (a CTDC record arrives as JSON already);
        # PostgreSQL's typed rows take it wrapped (else it would be one JSON string).
        text = lambda v: v if isinstance(v, str) else json.dumps(v, cls=field.encoder)  # noqa: E731
        if connection.vendor != "postgresql":
            return text
        from psycopg.types.json import Jsonb  # installed with PostgreSQL's driver only

        return lambda v: Jsonb(text(v), dumps=str)
    if kind in ("DateField", "DateTimeField"):
        # Dates repeat (and an import's timestamp is one value).
        return functools.lru_cache(maxsize=4096)(lambda v: field.get_db_prep_save(v, connection))
    if getattr(field, "encrypted", False):
        return lambda v: field.get_db_prep_save(v, connection)
    return None


class Table:
    """Bulk inserts into one model's table: every column but the id and those the database
    fills itself (record keys); a row is built by :meth:`row`."""

    def __init__(self, model, given: tuple[str, ...]):
        fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key or f.has_db_default())
        ]
        rest = [f for f in fields if f.attname not in given]
        self.position = {f.attname: i for i, f in enumerate(rest)}
        self.how = {f.attname: how for f in fields if (how := _preparer(f))}
        # The other columns' defaults (the fields'), prepared as any value is.
        self.defaults: tuple = (None,) * len(rest)
        self.defaults = self.row((), {f.attname: f.get_default() for f in rest if f.has_default()})
        quote = connection.ops.quote_name
        self.name = quote(model._meta.db_table)
        field = {f.attname: f for f in fields}
        order = [*given, *self.position]
        names = ", ".join(quote(field[attname].column) for attname in order)
        # PostgreSQL: binary rows, each value typed as its column (``varchar(80)``: varchar):
        # no text made to be parsed again at the other end.
        self.types = [field[attname].db_type(connection).split("(")[0] for attname in order]
        self.copy_sql = f"COPY {self.name} ({names}) FROM STDIN (FORMAT BINARY)"
        marks = ", ".join(["%s"] * len(fields))
        self.insert_sql = f"INSERT INTO {self.name} ({names}) VALUES ({marks})"

    def row(self, given: tuple, values: dict | None = None) -> tuple:
        """``given``: the values of the table's ``GIVEN`` columns, as their fields send
        them; the other columns' from ``values`` (attribute → value) or their defaults."""
        if not values:
            return given + self.defaults
        row, position = list(self.defaults), self.position
        for attname, value in values.items():
            row[position[attname]] = value
        for attname in self.how.keys() & values.keys():
            row[position[attname]] = self.how[attname](values[attname])
        return given + tuple(row)

    def insert(self, rows: Iterable[tuple], cursor, keys: str = "") -> list[tuple]:
        """Rows given as they are built (PostgreSQL reads the first while the next are
        made); with ``keys`` (columns), the rows added since, as (*keys, id): the database
        numbered them after the last id, and rows others added meanwhile have other keys."""
        if keys:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.name}")
            last = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            # psycopg's own cursor: its errors become Django's as the ORM's would.
            with connection.wrap_database_errors, cursor.cursor.copy(self.copy_sql) as copy:
                copy.set_types(self.types)
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(self.insert_sql, list(rows))
        if not keys:
            return []
        cursor.execute(f"SELECT {keys}, id FROM {self.name} WHERE id > %s", [last])
        return cursor.fetchall()


@dataclass
class Target:
    """Where chunks go: the import batch of each institution of the file's rows (None: of
    no known one), the user, how an institution a row only refers to is found or made."""

    batches: dict[str | None, ImportBatch]
    actor_id: int | None
    ensure_institution: Callable[[str], int]
    _ids: dict[str, int] = dataclass_field(default_factory=dict)

    def institution_id(self, code: str) -> int:
        if code not in self._ids:
            batch = self.batches.get(code)
            self._ids[code] = (batch and batch.institution_id) or self.ensure_institution(code)
        return self._ids[code]


@functools.cache
def _tables() -> dict:
    return {model: Table(model, given) for model, given in GIVEN.items()}


def write(
    cases: list[CaseBundle], rejected: list[Rejected], target: Target, headers: list[str]
) -> Counts:
    """One chunk in one transaction: its cases and its rejected rows, whose cells the
    quarantine keeps by ``headers`` (the file's)."""
    outermost = not connection.in_atomic_block
    names = [header or f"col{i + 1}" for i, header in enumerate(headers)]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and outermost:
            # The import's last, synchronous commit flushes these before it reports done.
            cursor.execute("SET LOCAL synchronous_commit = off")
        writer = _ChunkWriter(target, cursor)
        counts = writer.cases(cases)
        kept = []
        for number, cells, problems, owner in rejected:
            # The cells by header (``colN`` for a blank one), any beyond them as ``_extra``.
            raw: dict = dict(zip(names, [*cells, *[""] * len(names)], strict=False))
            if len(cells) > len(names):
                raw["_extra"] = cells[len(names) :]
            errors, batch = [p.as_dict() for p in problems], target.batches[owner]
            kept.append(models.RejectedRow(batch=batch, row_number=number, raw=raw, errors=errors))
        for row in models.RejectedRow.objects.bulk_create(kept, batch_size=500):
            writer.counted[row.batch_id]["rejected"] += 1
        # In batch order: concurrent writers lock the batch rows in one order, never a cycle.
        for batch_id, added in sorted(writer.counted.items()):
            increments = {name: F(name) + count for name, count in added.items()}
            ImportBatch.objects.filter(pk=batch_id).update(**increments)
    return counts


def analyse_cases() -> None:
    """On PostgreSQL, the statistics of the existing-case lookup's columns (see
    ``ANALYZE_FIRST``); the summaries' and the trigram index's would cost more."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Case._meta.db_table} (institution_id, reference)")


def finish(added: int) -> None:
    """After an import that added ``ANALYZE_FIRST`` cases or more (PostgreSQL, not in a
    caller's transaction): the children's statistics, which autovacuum updates late or
    never; planned as empty, a page of cases' children scans every child row (25–33 ms)."""
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
        # The references as one parameter (an array, JSON): no SQL of 1,000s of placeholders.
        postgres = connection.vendor == "postgresql"
        among = "= ANY(%s)" if postgres else "IN (SELECT value FROM json_each(%s))"
        listed: Callable[[list[str]], object] = list if postgres else json.dumps
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
        table = self.tables[Case]
        now = table.how["created_at"](self.now)  # as the timestamps' fields send it
        same = {  # per institution: what its new cases share (GIVEN's first five)
            code: (self.institution_id(code), self.actor_id, self.batches[code].pk, now, now)
            for code in {bundle.institution for bundle in new}
        }
        rows = (table.row(same[b.institution] + (b.reference, b.digest), b.fields) for b in new)
        added = table.insert(rows, self.cursor, "institution_id, reference")
        ids = {(institution, reference): pk for institution, reference, pk in added}
        created = [(ids[same[b.institution][0], b.reference], b) for b in new]
        self._children(created + changed)
        self._account(created=created, updated=changed, unchanged=unchanged)
        return Counts(len(new), len(changed), len(unchanged))

    def _update(self, changed: list[tuple[int, CaseBundle]]) -> None:
        """Changed cases: fields rewritten, children deleted (to be inserted again) without
        the ORM's signals, which would take the importer's rewrite for an edit."""
        for start in range(0, len(changed), LOOKUP_SIZE):
            part = [case_id for case_id, _bundle in changed[start : start + LOOKUP_SIZE]]
            for model in CHILD_MODELS:
                model.objects.filter(case_id__in=part)._raw_delete(connection.alias)
        fields = [Case._meta.get_field(attr) for attr in CASE_FIELDS.values()]
        empty = {f.name: f.get_default() if f.has_default() else None for f in fields}  # type: ignore
        for case_id, bundle in changed:
            Case.objects.filter(pk=case_id).update(
                **{attr: bundle.fields.get(attr, default) for attr, default in empty.items()},
                updated_at=self.now,
                content_hash=bundle.digest,
                import_batch_id=self.batches[bundle.institution].pk,
            )

    def _children(self, written: list[tuple[int, CaseBundle]]) -> None:
        """Victims (their ids read back), then the rows that point to them or to the case."""
        uses, helped, exploited, accused, referred, victims = (self.tables[m] for m in CHILD_MODELS)
        victim_rows = (
            victims.row((case_id,), part.fields)
            for case_id, bundle in written
            for part in bundle.parts
            if part.is_victim
        )
        added = victims.insert(victim_rows, self.cursor, "case_id, reference")
        victim_ids = {(case_id, reference): pk for case_id, reference, pk in added}
        rows: dict[Table, list[tuple]] = {table: [] for table in (uses, helped, exploited)}
        rows.update({accused: [], referred: []})
        for case_id, bundle in written:
            for part in bundle.parts:
                victim = victim_ids.get((case_id, part.fields.get("reference")))
                victim = victim if part.is_victim else None
                rows[uses] += [uses.row((case_id, victim, *use)) for use in part.technologies]
                rows[helped] += [helped.row((case_id, victim, kind)) for kind in part.assistance]
            setting = bundle.fields.get("exploitation_setting", "")
            kinds = bundle.exploitation_types
            rows[exploited] += [exploited.row((case_id, kind, setting)) for kind in kinds]
            rows[accused] += [accused.row((case_id,), person) for person in bundle.perpetrators]
            if bundle.referred_from or bundle.referred_to:
                known = bundle.referred_from
                source = self.institution_id(known) if known else None
                targets: list[int | None] = [self.institution_id(c) for c in bundle.referred_to]
                rows[referred] += [referred.row((case_id, source, to)) for to in targets or [None]]
        for table, table_rows in rows.items():
            if table_rows:
                table.insert(table_rows, self.cursor)

    def _account(self, *, created: list, updated: list, unchanged: list) -> None:
        """Each batch's counts (into ``counted``) and one audit event per batch of the chunk
        (per-case events would cost more than the cases): case ids created and updated."""
        per_code: dict[str, tuple[list, list, list]] = defaultdict(lambda: ([], [], []))
        for kind, written in enumerate((created, updated, [(0, b) for b in unchanged])):
            for case_id, bundle in written:
                per_code[bundle.institution][kind].append(case_id)
        for code, (new, rewritten, same) in per_code.items():
            batch = self.batches[code]
            self.counted[batch.pk].update(stored=len(new), updated=len(rewritten))
            services.record_import(batch, created=new, updated=rewritten, unchanged=len(same))
