"""Writing case bundles to the database, one chunk per transaction.

Per chunk: one query finds the cases that already exist (institution + reference); a
changed case is updated and its children replaced; an unchanged one is left alone; new
cases and all children go in through the database's own bulk path (sqlite3
``executemany``, PostgreSQL ``COPY``) with ids reserved beforehand, because building a
Django model instance per row would cost more than everything else together. Values are
prepared the way the model fields would (encrypted identifying fields, JSON, dates).
"""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from nanduti.registry.fields import encrypt
from nanduti.registry.io.bundles import (
    CASE_FIELDS,
    IDENTIFYING,
    CaseBundle,
    bundle_of,
    flat_rows,
    prefetch,
)
from nanduti.registry.models import (
    Assistance,
    AuditEvent,
    Case,
    Exploitation,
    Perpetrator,
    Referral,
    TechnologyUse,
    Victim,
)

SQLITE_CACHE_KIB = -262144  # negative: KiB, i.e. 256 MiB
CHILD_MODELS = (TechnologyUse, Assistance, Exploitation, Perpetrator, Referral, Victim)


@dataclass
class ChunkResult:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0


def _json(value) -> str:
    if isinstance(value, str):
        return value  # already JSON (audit events are written as text, see _audit)
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False)


class Table:
    """Bulk inserts into one model's table, with values as the fields would prepare them."""

    def __init__(self, model, vendor: str):
        self.model = model
        self.vendor = vendor
        self.table = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        # Per field: (attname, default, converter or None); built once, used per row.
        spec = []
        for f in fields:
            default = f.get_default() if f.has_default() else None
            spec.append((f, f.attname, default, self._converter(f)))
        self.defaults = {name: default for f, name, default, conv in spec}
        self._columns = {}
        self._template = {}  # defaults in column order, copied and filled per row
        self._index = {}  # attname → position
        self._convert = {}  # [(position, converter)]
        for with_id in (True, False):
            chosen = [item for item in spec if with_id or not item[0].primary_key]
            self._columns[with_id] = [f.column for f, *_rest in chosen]
            self._template[with_id] = [default for _f, _n, default, _c in chosen]
            self._index[with_id] = {name: i for i, (_f, name, _d, _c) in enumerate(chosen)}
            self._convert[with_id] = [
                (i, conv) for i, (_f, _n, _d, conv) in enumerate(chosen) if conv is not None
            ]

    def _converter(self, field):
        kind = field.get_internal_type()
        if kind == "JSONField":
            return _json
        if self.vendor != "sqlite":
            return None  # psycopg's COPY adapts dates and aware datetimes itself
        if kind == "DateTimeField":
            last: list = [None, None]

            def adapt(value):
                # One timestamp per chunk: adapt it once, not once per row.
                if value is not last[0]:
                    last[0], last[1] = value, connection.ops.adapt_datetimefield_value(value)
                return last[1]

            return adapt
        if kind == "DateField":
            return lambda v: v.isoformat() if v is not None else None
        return None

    def row(self, values: dict, with_id: bool = False) -> tuple:
        out = self._template[with_id].copy()
        index = self._index[with_id]
        for name, value in values.items():
            position = index.get(name)
            if position is not None:
                out[position] = value
        for position, convert in self._convert[with_id]:
            out[position] = convert(out[position])
        return tuple(out)

    def reserve_ids(self, count: int) -> list[int]:
        if not count:
            return []
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [r[0] for r in cursor.fetchall()]
            cursor.execute(f'SELECT coalesce(max("id"), 0) FROM "{self.table}"')
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            found = cursor.fetchone()
            highest = max(highest, found[0] if found else 0)
        return list(range(highest + 1, highest + 1 + count))

    def insert(self, rows: list[tuple], with_id: bool = False) -> None:
        """Rows from :meth:`row`; without ids the database numbers them."""
        if not rows:
            return
        names = self._columns[with_id]
        columns = ", ".join(f'"{c}"' for c in names)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f'COPY "{self.table}" ({columns}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.cursor.executemany(
                    f'INSERT INTO "{self.table}" ({columns}) VALUES ({marks})', rows
                )


class Writer:
    """Writes chunks of bundles for one import batch."""

    def __init__(self, *, batch_id: int | None, actor_id: int | None, institution_ids: dict):
        self.vendor = connection.vendor
        self.batch_id = batch_id
        self.actor_id = actor_id
        self.institution_ids = institution_ids  # code → id
        self.tables = {m: Table(m, self.vendor) for m in (Case, AuditEvent, *CHILD_MODELS)}

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

    def write(self, bundles: list[CaseBundle]) -> ChunkResult:
        result = ChunkResult()
        if not bundles:
            return result
        with transaction.atomic():
            existing = self._existing(bundles)
            now = timezone.now()
            new, changed = [], []
            if existing:
                current = {
                    (c.institution.code, c.reference): c
                    for c in prefetch(Case.objects.filter(id__in=existing.values()))
                }
            for bundle in bundles:
                case_id = existing.get(bundle.key)
                if case_id is None:
                    new.append(bundle)
                elif flat_rows(bundle_of(current[bundle.key])) == flat_rows(bundle):
                    result.unchanged += 1
                else:
                    changed.append((case_id, bundle))
            if changed:
                self._replace(changed, now)
            ids = self.tables[Case].reserve_ids(len(new))
            case_rows = []
            for case_id, bundle in zip(ids, new, strict=True):
                values = dict(bundle.fields)
                values.update(
                    id=case_id,
                    institution_id=self.institution_ids[bundle.institution],
                    reference=bundle.reference,
                    created_by_id=self.actor_id,
                    created_at=now,
                    updated_at=now,
                )
                values.setdefault("source", "import")
                case_rows.append(self.tables[Case].row(values, with_id=True))
            self.tables[Case].insert(case_rows, with_id=True)
            pairs = list(zip(ids, new, strict=True)) + changed
            self._children(pairs)
            self._audit(ids, new, "create", now)
            self._audit([c for c, _b in changed], [b for _c, b in changed], "update", now)
            result.stored, result.updated = len(new), len(changed)
        return result

    def _existing(self, bundles: list[CaseBundle]) -> dict[tuple[str, str], int]:
        """One query per institution of the chunk (plain SQL: the ORM would spend more time
        building a 5,000-value IN lookup than the database spends answering it)."""
        by_institution: dict[str, list[str]] = defaultdict(list)
        for bundle in bundles:
            by_institution[bundle.institution].append(bundle.reference)
        found = {}
        table = Case._meta.db_table
        with connection.cursor() as cursor:
            for code, references in by_institution.items():
                if self.vendor == "postgresql":
                    cursor.execute(
                        f'SELECT "reference", "id" FROM "{table}" WHERE "institution_id" = %s '
                        'AND "reference" = ANY(%s)',
                        [self.institution_ids[code], references],
                    )
                    found.update({(code, ref): pk for ref, pk in cursor.fetchall()})
                    continue
                for start in range(0, len(references), 900):
                    part = references[start : start + 900]
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(
                        f'SELECT "reference", "id" FROM "{table}" WHERE "institution_id" = %s '
                        f'AND "reference" IN ({marks})',
                        [self.institution_ids[code], *part],
                    )
                    found.update({(code, ref): pk for ref, pk in cursor.fetchall()})
        return found

    def _replace(self, changed: list[tuple[int, CaseBundle]], now) -> None:
        ids = [case_id for case_id, _b in changed]
        for model in CHILD_MODELS:
            model.objects.filter(case_id__in=ids).delete()
        for case_id, bundle in changed:
            values = {attr: bundle.fields.get(attr) for attr in CASE_FIELDS.values()}
            for attr, value in values.items():
                if value is None:
                    values[attr] = self.tables[Case].defaults.get(attr)
            values["source"] = bundle.fields.get("source") or "import"
            Case.objects.filter(id=case_id).update(updated_at=now, **values)

    def _children(self, pairs: list[tuple[int, CaseBundle]]) -> None:
        victims, uses, helps, exploitations, perpetrators, referrals = [], [], [], [], [], []
        parts = [(case_id, part) for case_id, b in pairs for part in b.parts if part.is_victim]
        victim_ids = iter(self.tables[Victim].reserve_ids(len(parts)))
        for case_id, bundle in pairs:
            for part in bundle.parts:
                victim_id = None
                if part.is_victim:
                    victim_id = next(victim_ids)
                    values = dict(part.fields)
                    for attr in IDENTIFYING:
                        if values.get(attr):
                            values[attr] = encrypt(values[attr])
                    values.update(id=victim_id, case_id=case_id)
                    victims.append(values)
                for phase, technology, platform in part.technologies:
                    uses.append(
                        {
                            "case_id": case_id,
                            "victim_id": victim_id,
                            "phase": phase,
                            "technology": technology,
                            "platform": platform,
                        }
                    )
                for kind in part.assistance:
                    helps.append({"case_id": case_id, "victim_id": victim_id, "type": kind})
            setting = bundle.fields.get("exploitation_setting", "")
            for kind in bundle.exploitation_types:
                exploitations.append({"case_id": case_id, "type": kind, "setting": setting})
            for person in bundle.perpetrators:
                perpetrators.append({"case_id": case_id, **person})
            from_id = self.institution_ids.get(bundle.referred_from)
            targets = [self.institution_ids[code] for code in bundle.referred_to]
            for to_id in targets or ([None] if from_id else []):
                referrals.append(
                    {"case_id": case_id, "from_institution_id": from_id, "to_institution_id": to_id}
                )
        for model, rows in (
            (Victim, victims),
            (TechnologyUse, uses),
            (Assistance, helps),
            (Exploitation, exploitations),
            (Perpetrator, perpetrators),
            (Referral, referrals),
        ):
            table = self.tables[model]
            with_id = model is Victim  # technologies and assistance point to victims
            table.insert([table.row(values, with_id) for values in rows], with_id)

    def _audit(self, ids: list[int], bundles: list[CaseBundle], change: str, now) -> None:
        """One "import" event per case created or updated (what audit.record_many writes)."""
        table = self.tables[AuditEvent]
        rows = []
        # The same small JSON object per event: formatted, not serialised a million times.
        prefix = f'{{"batch": {json.dumps(self.batch_id)}, "change": "{change}", "rows": ['
        for case_id, bundle in zip(ids, bundles, strict=True):
            rows.append(
                table.row(
                    {
                        "at": now,
                        "actor_id": self.actor_id,
                        "institution_id": self.institution_ids[bundle.institution],
                        "action": "import",
                        "model": "case",
                        "object_id": str(case_id),
                        "case_id": case_id,
                        "changes": prefix + ", ".join(map(str, bundle.rows[:20])) + "]}",
                    }
                )
            )
        table.insert(rows)
