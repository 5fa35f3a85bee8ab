"""Writing case bundles to the database, one chunk per transaction.

Per chunk: one query finds the cases that already exist (institution + reference) with the
content hash the importer gave them; a case whose hash differs is updated and its children
replaced; an unchanged one is left alone; new cases and all children go in through the
database's own bulk path (sqlite3 ``executemany``, PostgreSQL ``COPY``) with ids reserved
beforehand, because building a Django model instance per row would cost more than
everything else together. Values are prepared the way the model fields would (encrypted
identifying fields, JSON, dates). Each chunk's transaction also adds its counts to its
batches and writes their audit events (the case ids it created and updated, as ranges):
a killed import leaves batches and audit log that agree with the cases it committed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from nanduti.registry.fields import CodeField, encrypt
from nanduti.registry.io.bundles import (
    CASE_FIELDS,
    IDENTIFYING,
    VICTIM_FIELDS,
    CaseBundle,
    content_hash,
    hash_of_rows,
    perpetrators_of,
    split_row,
)
from nanduti.registry.models import (
    Assistance,
    AuditEvent,
    Case,
    Exploitation,
    ImportBatch,
    Institution,
    Perpetrator,
    Referral,
    TechnologyUse,
    Victim,
)

SQLITE_CACHE_KIB = -262144  # negative: KiB, i.e. 256 MiB
# Children in an order they can be deleted in: uses and assistance point to victims.
CHILD_MODELS = (TechnologyUse, Assistance, Exploitation, Perpetrator, Referral, Victim)
SQLITE_MAX_PARAMS = 900
# PostgreSQL plans the existing-case lookup from statistics; a bulk import outgrows them
# (a plan for "110 cases" run against 300,000 took 100 ms a chunk), so the writer analyses
# the case table each time the cases it added reach this many, then double that, and so on:
# only the two columns that lookup reads (a whole-table ANALYZE also samples the summaries'
# trigram index expression: 7 of the 47 µs of server CPU per row of a 300,000-row import).
ANALYZE_FIRST = 20_000
# COPY's text format: tab between cells, \N for NULL, these four characters escaped.
COPY_NULL = "\\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NUMBER_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
}
VICTIM_ATTRS = tuple(VICTIM_FIELDS.values())
CASE_ATTRS = tuple(CASE_FIELDS.values())


@dataclass
class ChunkResult:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0


def copy_text(value) -> str:
    """A value as a cell of PostgreSQL's ``COPY`` text format."""
    if value is None:
        return COPY_NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return copy_str(value if isinstance(value, str) else str(value))


def copy_str(text: str) -> str:
    # Looking first is 40 times faster than translate() on a line of accented text.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(COPY_ESCAPES)
    return text


def _last_formatted(convert: Callable) -> Callable:
    """``convert`` for a value that repeats (one timestamp per chunk): converted once."""
    last: list = [None, None]

    def formatted(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return formatted


def _line1(a, tail: str) -> str:
    return f"{a}\t{tail}"


def _line2(a, b, tail: str) -> str:
    return f"{a}\t{COPY_NULL if b is None else b}\t{tail}"


def _tuple1(a, tail: tuple) -> tuple:
    return (a, *tail)


def _tuple2(a, b, tail: tuple) -> tuple:
    return (a, b, *tail)


def _json(value) -> str:
    if isinstance(value, str):
        return value
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False)


def add_to_ranges(ranges: list[list[int]], ids) -> None:
    """Appends ids to [[first, last], ...], merging consecutive ones (ids come sorted)."""
    for i in ids:
        if ranges and ranges[-1][1] + 1 == i:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])


class Table:
    """Bulk inserts into one model's table, with values as the fields would prepare them."""

    def __init__(self, model, vendor: str):
        self.model = model
        self.vendor = vendor
        self.table = model._meta.db_table
        self.sequence: str | None = None  # PostgreSQL: the id sequence, looked up once
        # Columns the database fills itself (record keys) are left out of every insert.
        self.fields = {f.attname: f for f in model._meta.concrete_fields if not f.has_db_default()}
        self.defaults = {
            name: (f.get_default() if f.has_default() else None) for name, f in self.fields.items()
        }

    def _converter(self, field) -> Callable | None:
        kind = field.get_internal_type()
        if kind == "JSONField":
            return _json
        if self.vendor != "sqlite":
            return None  # psycopg adapts dates and aware datetimes itself
        if kind == "DateTimeField":
            return _last_formatted(connection.ops.adapt_datetimefield_value)
        if kind == "DateField":
            return lambda v: v.isoformat() if v is not None else None
        return None

    def builder(
        self,
        given: list[str],
        columns: list[str] | None = None,
        mapped: tuple[str, ...] = (),
        defaults: dict | None = None,
        text: bool = False,
    ):
        """(column names, fn(*values, mapping) → row) for rows that give ``given``
        attributes in that order and ``mapped`` ones in a dict (last argument) that may lack
        them; other columns take their defaults. The row is a tuple, or with ``text`` a line
        of PostgreSQL's COPY text format without its line feed (formatting it here, where
        each column's type is known, costs a third of what psycopg's row formatter does).
        The function is generated once per table so that a row costs one call, not a dict
        and a loop."""
        defaults = {**self.defaults, **(defaults or {})}
        names = columns or [a for a in self.fields if a != "id" or "id" in given or "id" in mapped]
        namespace: dict = {"NULL": COPY_NULL, "as_text": copy_text, "as_str": copy_str}
        items = []
        for attname in names:
            field = self.fields[attname]
            convert = self._converter(field)
            default = defaults[attname]
            if attname in given:
                value = f"a{given.index(attname)}"
            elif attname in mapped:
                namespace[f"d_{attname}"] = default
                value = f"m.get({attname!r}, d_{attname})"
            else:
                constant = convert(default) if convert else default
                namespace[f"d_{attname}"] = copy_text(constant) if text else constant
                items.append(f"d_{attname}")
                continue
            if convert is not None:
                namespace[f"c_{attname}"] = convert
                value = f"c_{attname}({value})"
            items.append(self._as_copy_text(field, value, namespace) if text else value)
        args = [f"a{i}" for i in range(len(given))] + (["m"] if mapped else [])
        if text:
            body = 'f"' + "\\t".join("{" + item + "}" for item in items) + '"'
        else:
            body = f"({', '.join(items)},)"
        code = f"lambda {', '.join(args)}: {body}"
        return [self.fields[a].column for a in names], eval(code, namespace)  # noqa: S307

    @staticmethod
    def _as_copy_text(field, value: str, namespace: dict) -> str:
        """The expression that turns ``value`` into its COPY cell, by the field's type."""
        if isinstance(field, CodeField):
            return value  # a vocabulary code: never a tab, line break or backslash
        kind = field.get_internal_type()
        if kind in NUMBER_TYPES:
            name = f"v_{field.attname}"
            return f"(NULL if ({name} := {value}) is None else {name})"
        if kind == "DateTimeField":
            namespace[f"t_{field.attname}"] = _last_formatted(copy_text)
            return f"t_{field.attname}({value})"
        if kind in ("CharField", "TextField", "URLField", "JSONField") and not field.null:
            return f"as_str({value})"  # always a str (JSON: as _json wrote it)
        return f"as_text({value})"

    def reserve_ids(self, count: int) -> list[int]:
        if not count:
            return []
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                if self.sequence is None:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                    self.sequence = cursor.fetchone()[0]
                # The sequence named once: pg_get_serial_sequence() in the select list would
                # run once per id (1.9 µs each, against 0.2 µs for nextval itself).
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                    [self.sequence, count],
                )
                return [r[0] for r in cursor.fetchall()]
            cursor.execute(f'SELECT coalesce(max("id"), 0) FROM "{self.table}"')
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            found = cursor.fetchone()
            highest = max(highest, found[0] if found else 0)
        return list(range(highest + 1, highest + 1 + count))

    def insert(self, columns: list[str], rows: list) -> None:
        """Rows as tuples (SQLite) or as COPY text lines (PostgreSQL, see :meth:`builder`)."""
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN') as copy:
                    copy.write("\n".join(rows) + "\n")
            else:
                marks = ", ".join(["?"] * len(columns))
                cursor.cursor.executemany(
                    f'INSERT INTO "{self.table}" ({names}) VALUES ({marks})', rows
                )


class Writer:
    """Writes chunks of bundles into the import batch of each case's institution."""

    def __init__(self, *, batch_ids: dict, actor_id: int | None, institution_ids: dict):
        self.vendor = connection.vendor
        self.batch_ids = batch_ids  # institution code → its batch's id (filled as they come)
        self._files: dict[int, dict] = {}  # batch id → its file's name and SHA-256
        self.actor_id = actor_id
        self.institution_ids = institution_ids  # code → id
        self.tables = {m: Table(m, self.vendor) for m in (Case, *CHILD_MODELS)}
        self.skip_fk_triggers: bool | None = None  # PostgreSQL: None until tried
        self.added = 0
        self.analyse_at = ANALYZE_FIRST
        update_given = ["updated_at", "import_batch_id", "content_hash", "id"]
        update_columns = [*CASE_ATTRS, *update_given[:-1]]
        _cols, self.case_update_row = self.tables[Case].builder(
            update_given,
            columns=[*update_columns, "id"],
            mapped=CASE_ATTRS,
            defaults={"source": "import"},
        )
        self.case_update_sql = (
            f'UPDATE "{Case._meta.db_table}" SET '
            + ", ".join(f'"{self.tables[Case].fields[a].column}" = %s' for a in update_columns)
            + ' WHERE "id" = %s'
        )
        self._packed_builders()
        # A row is its ids and its packed tail: tuples for sqlite3, COPY lines for PostgreSQL.
        postgres = self.vendor == "postgresql"
        self.row1, self.row2 = (_line1, _line2) if postgres else (_tuple1, _tuple2)

    @contextmanager
    def tuned(self):
        """A large SQLite page cache while importing: index pages of a million-case table
        no longer fit the 2 MiB default, and every insert would wait on them."""
        if self.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            before = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")

    @contextmanager
    def chunk(self):
        """One chunk's transaction. On PostgreSQL, when it is a transaction of its own, it
        commits asynchronously (the import's last statements commit synchronously, which
        flushes every earlier commit to disk before the import reports done); and, where
        the role may, its rows skip the per-row foreign-key triggers (see
        :meth:`_without_fk_triggers`), the setting restored before the chunk ends so that
        nothing else in a caller's transaction runs without them."""
        postgres = self.vendor == "postgresql"
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            skipping = False
            if postgres:
                if outermost:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                if self.skip_fk_triggers is not False:
                    skipping = self._without_fk_triggers()
            yield
            if skipping:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = origin")
        if postgres and self.added >= self.analyse_at:
            self.analyse_at = 2 * self.added
            with connection.cursor() as cursor:
                cursor.execute(f'ANALYZE "{Case._meta.db_table}" ("institution_id", "reference")')

    def _without_fk_triggers(self) -> bool:
        """Checking a million children's foreign keys one row at a time costs PostgreSQL
        more than storing them. The writer's rows cannot break them: children point to cases
        and victims this transaction inserted (invisible to anyone else until it commits) or
        to cases it has just updated (row-locked), and the few other rows they point to
        (institutions, the user, the batch) are checked here and locked against deletion as
        the triggers would lock them. So, when the role may set it, the chunk runs with
        ``session_replication_role = replica``, which skips those triggers for this
        transaction only (``SET LOCAL``); otherwise the triggers check every row."""
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            self.skip_fk_triggers = False  # not permitted: keep the triggers
            return False
        self.skip_fk_triggers = True
        parents = [
            (Institution, sorted(set(self.institution_ids.values()))),
            (ImportBatch, sorted(set(self.batch_ids.values()))),
            (
                Case._meta.get_field("created_by").related_model,
                [self.actor_id] if self.actor_id else [],
            ),
        ]
        with connection.cursor() as cursor:
            for model, ids in parents:
                if not ids:
                    continue
                cursor.execute(
                    f'SELECT "id" FROM "{model._meta.db_table}" WHERE "id" = ANY(%s) FOR KEY SHARE',
                    [ids],
                )
                missing = set(ids) - {row[0] for row in cursor.fetchall()}
                if missing:
                    name = model._meta.db_table
                    raise IntegrityError(
                        f"{name}: ya no existen los registros {sorted(missing)} / "
                        f"{name}: rows {sorted(missing)} no longer exist"
                    )
        return True

    def _packed_builders(self) -> None:
        """Row builders: each builds a row without its id columns (which the ``p_*_columns``
        put first), so that a worker process can build rows before ids are known."""
        t = self.tables

        def tail(model, ids: tuple[str, ...], given: list[str], **options):
            columns = [*ids, *(a for a in t[model].fields if a != "id" and a not in ids)]
            _names, build = t[model].builder(
                given, columns=columns[len(ids) :], text=self.vendor == "postgresql", **options
            )
            return columns, build

        self.p_case_columns, self.p_case_row = tail(
            Case,
            ("id", "import_batch_id"),
            ["institution_id", "reference", "created_by_id", "created_at", "updated_at"]
            + ["content_hash"],
            mapped=CASE_ATTRS,
            defaults={"source": "import"},
        )
        self.p_victim_columns, self.p_victim_row = tail(
            Victim, ("id", "case_id"), [], mapped=VICTIM_ATTRS
        )
        self.p_use_columns, self.p_use_row = tail(
            TechnologyUse, ("case_id", "victim_id"), ["phase", "technology", "platform"]
        )
        self.p_help_columns, self.p_help_row = tail(Assistance, ("case_id", "victim_id"), ["type"])
        self.p_exploitation_columns, self.p_exploitation_row = tail(
            Exploitation, ("case_id",), ["type", "setting"]
        )
        self.p_perpetrator_columns, self.p_perpetrator_row = tail(
            Perpetrator, ("case_id",), ["role", "sex", "nationality"]
        )
        self.p_referral_columns, self.p_referral_row = tail(
            Referral, ("case_id",), ["from_institution_id", "to_institution_id"]
        )

    def pack(self, bundle: CaseBundle, now) -> tuple:
        """A case's table rows without their ids (built where its rows were grouped: a worker
        process or this one):
        (institution, reference, hash, fields, case row tail, victim row tails,
        [(victim index or -1, technology use tail)], [(victim index or -1, assistance tail)],
        exploitation tails, perpetrator tails, referral tails, file row numbers)."""
        return self._pack(
            bundle.institution,
            bundle.reference,
            content_hash(bundle),
            bundle.fields,
            [
                (p.fields if p.is_victim else None, p.technologies, p.assistance)
                for p in bundle.parts
            ],
            bundle.exploitation_types,
            bundle.perpetrators,
            (bundle.referred_from, bundle.referred_to),
            bundle.rows,
            now,
        )

    def pack_row(self, institution: str, reference: str, number: int, row: dict, text: str, now):
        """:meth:`pack` of a case made of one normalised row, without the bundle that
        :func:`add_row` would build for it (most cases of a large file have one row)."""
        parts = split_row(row)
        victim = parts.victim
        if victim and "reference" not in victim:
            victim["reference"] = "1"  # as add_row numbers the first victim
        referral = ("", [])
        if parts.referral:
            referral = (row.get("referred_from", ""), list(row.get("referred_to", ())))
        return self._pack(
            institution,
            reference,
            hash_of_rows(institution, reference, [text]),
            {"source": "import", **parts.case},
            [(victim if len(victim) > 1 else None, parts.technologies, parts.assistance)],
            parts.exploitation_types,
            perpetrators_of(row) if parts.perpetrators else [],
            referral,
            [number],
            now,
        )

    def _pack(
        self, institution, reference, digest, fields, parts, types, people, referral, rows, now
    ) -> tuple:
        """parts: [(victim fields or None when the part is no victim, technologies,
        assistance)]; referral: (from code, [to codes])."""
        case = self.p_case_row(
            self.institution_ids[institution], reference, self.actor_id, now, now, digest, fields
        )
        victims, uses, helps = [], [], []
        victim_row, use_row, help_row = self.p_victim_row, self.p_use_row, self.p_help_row
        for values, technologies, assistance in parts:
            index = -1
            if values is not None:
                index = len(victims)
                if not IDENTIFYING.isdisjoint(values):  # encrypted at rest
                    values = {
                        a: (encrypt(str(v)) if a in IDENTIFYING and v else v)
                        for a, v in values.items()
                    }
                victims.append(victim_row(values))
            for phase, technology, platform in technologies:
                uses.append((index, use_row(phase, technology, platform)))
            for kind in assistance:
                helps.append((index, help_row(kind)))
        setting = fields.get("exploitation_setting", "")
        exploitation_row = self.p_exploitation_row
        exploitations = [exploitation_row(kind, setting) for kind in types]
        perpetrators = [
            self.p_perpetrator_row(p.get("role", ""), p.get("sex", ""), p.get("nationality", ""))
            for p in people
        ]
        referrals = []
        referred_from, referred_to = referral
        if referred_from or referred_to:
            from_id = self.institution_ids.get(referred_from)
            targets = [self.institution_ids[code] for code in referred_to]
            referrals = [
                self.p_referral_row(from_id, to_id)
                for to_id in targets or ([None] if from_id else [])
            ]
        return (
            institution,
            reference,
            digest,
            fields,
            case,
            victims,
            uses,
            helps,
            exploitations,
            perpetrators,
            referrals,
            rows,
        )

    def write_packed(self, packs: list[tuple]) -> ChunkResult:
        """Writes cases packed by :meth:`pack` or :meth:`pack_row`: finds the existing ones,
        replaces the changed ones' rows, assigns ids and inserts the new ones."""
        result = ChunkResult()
        if not packs:
            return result
        with self.chunk():
            existing = self._existing_keys([(p[0], p[1]) for p in packs])
            now = timezone.now()
            new, changed, unchanged = [], [], []
            for pack in packs:
                found = existing.get((pack[0], pack[1]))
                if found is None:
                    new.append(pack)
                elif found[1] == pack[2]:
                    unchanged.append(pack[0])
                else:
                    changed.append((found[0], pack))
            if changed:
                self._replace([(i, p[0], p[3], p[2]) for i, p in changed], now)
            ids = self.tables[Case].reserve_ids(len(new))
            batch, row2 = self.batch_ids.get, self.row2
            self.tables[Case].insert(
                self.p_case_columns,
                [row2(i, batch(p[0]), p[4]) for i, p in zip(ids, new, strict=True)],
            )
            pairs = list(zip(ids, new, strict=True))
            self._account(pairs, changed, unchanged)
            pairs += changed
            self._children(pairs)
            result.stored, result.updated, result.unchanged = len(new), len(changed), len(unchanged)
            self.added += len(new)
        return result

    def _account(self, new: list, changed: list, unchanged: list[str]) -> None:
        """In the chunk's transaction: each batch's counts and one audit event per batch of
        the chunk, naming the case ids it created and updated as ranges (per-case events
        would cost more to write than the cases themselves)."""
        per_batch: dict[str, dict] = defaultdict(
            lambda: {"created": [], "updated": [], "unchanged": 0}
        )
        for case_id, pack in new:
            per_batch[pack[0]]["created"].append(case_id)
        for case_id, pack in changed:
            per_batch[pack[0]]["updated"].append(case_id)
        for code in unchanged:
            per_batch[code]["unchanged"] += 1
        # Batch rows in ascending id order: parallel chunks that each touch several
        # institutions' batches then lock them in one order and cannot deadlock.
        for code, ids in sorted(per_batch.items(), key=lambda kv: self.batch_ids.get(kv[0]) or 0):
            batch_id = self.batch_ids.get(code)
            if batch_id is None:
                continue
            created, updated = [], []
            add_to_ranges(created, ids["created"])
            add_to_ranges(updated, sorted(ids["updated"]))
            ImportBatch.objects.filter(pk=batch_id).update(
                stored=F("stored") + len(ids["created"]),
                updated=F("updated") + len(ids["updated"]),
            )
            if created or updated:
                AuditEvent.objects.create(
                    actor_id=self.actor_id,
                    institution_id=self.institution_ids[code],
                    action="import",
                    model="case",
                    object_id=str(batch_id),
                    changes={
                        "batch": batch_id,
                        **self._file_of(batch_id),
                        "created": created,
                        "updated": updated,
                        "counts": {
                            "created": len(ids["created"]),
                            "updated": len(ids["updated"]),
                            "unchanged": ids["unchanged"],
                        },
                    },
                )

    def _file_of(self, batch_id: int) -> dict:
        if batch_id not in self._files:
            self._files[batch_id] = (
                ImportBatch.objects.filter(pk=batch_id)
                .values("sha256", file=F("original_name"))
                .get()
            )
        return self._files[batch_id]

    def _children(self, pairs: list[tuple[int, tuple]]) -> None:
        count = sum(len(p[5]) for _i, p in pairs)
        victim_ids = self.tables[Victim].reserve_ids(count)
        victims, uses, helps, exploitations, perpetrators, referrals = [], [], [], [], [], []
        at = 0
        row1, row2 = self.row1, self.row2
        for case_id, pack in pairs:
            tails = pack[5]
            mine = victim_ids[at : at + len(tails)]
            at += len(tails)
            victims += [row2(v, case_id, t) for v, t in zip(mine, tails, strict=True)]
            uses += [row2(case_id, mine[i] if i >= 0 else None, t) for i, t in pack[6]]
            if pack[7]:
                helps += [row2(case_id, mine[i] if i >= 0 else None, t) for i, t in pack[7]]
            exploitations += [row1(case_id, t) for t in pack[8]]
            if pack[9]:
                perpetrators += [row1(case_id, t) for t in pack[9]]
            if pack[10]:
                referrals += [row1(case_id, t) for t in pack[10]]
        for model, columns, rows in (
            (Victim, self.p_victim_columns, victims),
            (TechnologyUse, self.p_use_columns, uses),
            (Assistance, self.p_help_columns, helps),
            (Exploitation, self.p_exploitation_columns, exploitations),
            (Perpetrator, self.p_perpetrator_columns, perpetrators),
            (Referral, self.p_referral_columns, referrals),
        ):
            self.tables[model].insert(columns, rows)

    def write(self, bundles: list[CaseBundle]) -> ChunkResult:
        """Writes bundles grouped in this process, as :meth:`write_packed` writes packed ones."""
        now = timezone.now()
        return self.write_packed([self.pack(bundle, now) for bundle in bundles])

    def _existing_keys(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
        """(institution, reference) → (id, content hash): one query per institution of the
        chunk (plain SQL: the ORM would spend more time building a 5,000-value IN lookup
        than the database spends answering it)."""
        by_institution: dict[str, list[str]] = defaultdict(list)
        for code, reference in keys:
            by_institution[code].append(reference)
        found = {}
        table = Case._meta.db_table
        select = (
            f'SELECT "reference", "id", "content_hash" FROM "{table}" WHERE "institution_id" = %s'
        )
        with connection.cursor() as cursor:
            for code, references in by_institution.items():
                if self.vendor == "postgresql":
                    cursor.execute(
                        select + ' AND "reference" = ANY(%s)',
                        [self.institution_ids[code], references],
                    )
                    found.update({(code, r): (pk, h) for r, pk, h in cursor.fetchall()})
                    continue
                for start in range(0, len(references), SQLITE_MAX_PARAMS):
                    part = references[start : start + SQLITE_MAX_PARAMS]
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(
                        select + f' AND "reference" IN ({marks})',
                        [self.institution_ids[code], *part],
                    )
                    found.update({(code, r): (pk, h) for r, pk, h in cursor.fetchall()})
        return found

    def _replace(self, changed: list[tuple[int, str, dict, str]], now) -> None:
        """Deletes the children of changed cases and rewrites their fields, in plain SQL: the
        ORM would send signals that tell the case it was edited outside the importer."""
        ids = [case_id for case_id, _code, _fields, _digest in changed]
        with connection.cursor() as cursor:
            for model in CHILD_MODELS:
                table = model._meta.db_table
                if self.vendor == "postgresql":
                    cursor.execute(f'DELETE FROM "{table}" WHERE "case_id" = ANY(%s)', [ids])
                    continue
                for start in range(0, len(ids), SQLITE_MAX_PARAMS):
                    part = ids[start : start + SQLITE_MAX_PARAMS]
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(f'DELETE FROM "{table}" WHERE "case_id" IN ({marks})', part)
            rows = []
            for case_id, code, fields, digest in changed:
                batch = self.batch_ids.get(code)
                rows.append(self.case_update_row(now, batch, digest, case_id, fields))
            cursor.executemany(self.case_update_sql, rows)
