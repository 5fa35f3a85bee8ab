"""A columnar snapshot of the registry that answers any cross-tab in a fraction of a second.

The summary (``summary.py``) pre-aggregates a fixed grain; a table outside it (district ×
exploitation type, any CTDC variable, a filter on a platform) used to be counted live from
the registry tables, 3–5 s of CPU at a million cases. The snapshot copies the columns the
statistics fields read — one table per record level (cases, victims, technology uses,
exploitation types, perpetrators), with their record keys — into a DuckDB file under
``VAR_DIR/stats/``, and every cross-tab of cases, victims or perpetrators, with any fields,
filters and institution scope, is answered from it by the same counting rules as
``crosstab._count_live`` (a unit once per cell, margins counted apart when a dropped field is
multi-valued, record-key sums for cell-key perturbation). DuckDB scans columns in parallel
where SQLite and PostgreSQL walk rows: the same GROUP BY is 10–50× faster.

Freshness: the snapshot records the registry version (``summary.data_version``) it was
copied from, read in the same transaction as its rows, so it is exactly that version. It is
rebuilt with the summary (``rebuild.rebuild_summaries``: after an import, in the background
when a page finds it stale, or by ``nanduti rebuild-summaries``); a page that finds it older
than the data answers from it marked stale, with the time it was built, as for the summary.

Each build writes a new file and records it in ``StatsSnapshot`` (a row in the database, so
a test's rolled-back data never meets a snapshot of other data); readers open the file the
row names, read-only (any number of server processes may), and fall back to the live count
if it has gone.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from nanduti.registry.fields import RECORD_KEY_RANGE
from nanduti.registry.models import Case, Exploitation, Perpetrator, TechnologyUse, Victim
from nanduti.stats import fields as F
from nanduti.stats.models import StatsSnapshot

TOTAL = "_total"  # as crosstab.TOTAL (crosstab imports this module)
# One table per record level: (table, model, identity columns).
LEVELS = {
    F.CASE: ("cases", Case, ["id", "record_key", "institution_id"]),
    F.VICTIM: ("victims", Victim, ["id", "case_id", "record_key"]),
    F.TECH: ("techs", TechnologyUse, ["case_id"]),
    F.EXPLOITATION: ("exploitations", Exploitation, ["case_id"]),
    F.PERPETRATOR: ("perpetrators", Perpetrator, ["id", "case_id", "record_key"]),
}
UNIT_LEVELS = {"cases": F.CASE, "victims": F.VICTIM, "perpetrators": F.PERPETRATOR}
SCOPE_COLUMNS = {"institution_id"}
CHUNK = 50_000


def _column(f: F.Field) -> str:
    """The snapshot column a field is read from (CTDC variables: the victim's JSON)."""
    if f.kind == "institution":
        return "institution"
    if f.kind == "ctdc":
        return f.name  # extracted from the victim's JSON when the snapshot is built
    return f.column


def _ctdc_fields() -> list[F.Field]:
    return [f for f in F.FIELDS.values() if f.kind == "ctdc"]


def _level_columns(level: str) -> dict[str, str]:
    """Snapshot column → ORM path on the level's model, for every field of the level."""
    columns = {c: c for c in LEVELS[level][2]}
    for f in F.FIELDS.values():
        if f.level == level and f.kind != "ctdc":
            columns[_column(f)] = f.column
    return columns


# ---------------------------------------------------------------------------- building


def _rows(level: str) -> pa.Table:
    """The level's columns read from the registry, chunk by chunk, as an Arrow table."""
    _, model, _ = LEVELS[level]
    columns = _level_columns(level)
    qs = model._default_manager.order_by()
    if level == F.VICTIM:
        qs = qs.annotate(ctdc_text=Cast("ctdc", TextField()))
        columns["ctdc"] = "ctdc_text"
    sql, params = qs.values_list(*columns.values()).query.sql_with_params()
    names = list(columns)
    chunks: list[list] = [[] for _ in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            for i, column in enumerate(zip(*rows, strict=True)):
                chunks[i].extend(column)
    arrays = []
    for name, values in zip(names, chunks, strict=True):
        if name == "synthetic":
            values = [bool(v) for v in values]  # SQLite gives 0/1
        arrays.append(pa.array(values, type=_arrow_type(name)))
    return pa.table(arrays, names=names)


def _arrow_type(name: str) -> pa.DataType:
    if name in ("id", "case_id", "record_key", "institution_id", "year"):
        return pa.int64()
    if name == "synthetic":
        return pa.bool_()
    return pa.string()


def _copy(level: str) -> str:
    """The SELECT that copies a level's rows in; for victims, every CTDC variable becomes a
    column of its own (the JSON is parsed once here, not on every table)."""
    if level != F.VICTIM:
        return "SELECT * FROM incoming"
    ctdc = _ctdc_fields()
    paths = ", ".join(
        "'$.\"{}\"'".format(f.column.partition("ctdc__")[2].replace('"', "")) for f in ctdc
    )
    columns = ", ".join(f'_x[{i}] AS "{f.name}"' for i, f in enumerate(ctdc, start=1))
    inner = f"SELECT *, json_extract_string(ctdc, [{paths}]) AS _x FROM incoming"
    return f"SELECT * EXCLUDE (ctdc, _x), {columns} FROM ({inner})"


def build(version: dict | None = None) -> StatsSnapshot:
    """Copy the registry into a new snapshot file and make it the current one."""
    from nanduti.stats.summary import data_version

    started = time.perf_counter()
    folder = Path(settings.VAR_DIR) / "stats"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"snapshot-{uuid.uuid4().hex}.duckdb"
    rows = 0
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Every table and the version read from one snapshot of the database (inside a
            # caller's transaction, that transaction's isolation decides).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        version = data_version() if version is None else version
        con = duckdb.connect(str(path))
        try:
            for level, (table, _, _) in LEVELS.items():
                arrow = _rows(level)
                rows += arrow.num_rows
                con.register("incoming", arrow)
                con.execute(f"CREATE TABLE {table} AS {_copy(level)}")
                con.unregister("incoming")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    with transaction.atomic():
        old = list(StatsSnapshot.objects.values_list("path", flat=True))
        StatsSnapshot.objects.all().delete()
        state = StatsSnapshot.objects.create(
            path=str(path),
            version=version,
            seconds=time.perf_counter() - started,
            rows=rows,
            size=path.stat().st_size,
        )
    for name in old:  # readers that still have one open keep reading it (POSIX unlink)
        Path(name).unlink(missing_ok=True)
        _forget(name)
    return state


def current() -> StatsSnapshot | None:
    return StatsSnapshot.objects.first()


# ---------------------------------------------------------------------------- reading


class Unavailable(Exception):
    """The snapshot's file is gone (a newer build replaced it) or cannot be read."""


@dataclass
class _Open:
    connection: duckdb.DuckDBPyConnection
    readers: int = 0


# One read-only connection per process and file, a cursor per query (threads never share
# one). A file replaced by a newer build is closed once its last reader is done, so its disk
# space is given back (until then the deleted file stays readable).
_open: dict[str, _Open] = {}
_newest: list[str] = [""]
_guard = threading.Lock()


@contextmanager
def _reading(path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    with _guard:
        entry = _open.get(path)
        if entry is None:
            if not Path(path).exists():
                raise Unavailable(path)
            config: dict[str, str | bool | int | float | list[str]] = {
                "threads": settings.NANDUTI_STATS_SNAPSHOT_THREADS
            }
            try:
                entry = _open[path] = _Open(duckdb.connect(path, read_only=True, config=config))
            except duckdb.Error as error:
                raise Unavailable(path) from error
            _newest[0] = path
            _close_unused()
        entry.readers += 1
        cursor = entry.connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
        with _guard:
            entry.readers -= 1
            _close_unused()


def _close_unused() -> None:
    for path in [p for p, e in _open.items() if p != _newest[0] and not e.readers]:
        _open.pop(path).connection.close()


def _forget(path: str) -> None:
    with _guard:
        entry = _open.get(path)
        if entry is not None and not entry.readers:
            _open.pop(path).connection.close()


def eligible(unit: str, scope: dict | None) -> bool:
    return unit in UNIT_LEVELS and (not scope or set(scope) <= SCOPE_COLUMNS)


@dataclass
class _Query:
    """The FROM and WHERE of one table's units, and how each field is read in it."""

    unit: str
    fields: list[F.Field]
    filters: list[tuple[F.Field, Any]]
    scope: dict | None

    @property
    def unit_level(self) -> str:
        return UNIT_LEVELS[self.unit]

    def case_id(self) -> str:
        return "u.id" if self.unit_level == F.CASE else "u.case_id"

    def alias(self, level: str) -> str:
        if level == self.unit_level:
            return "u"
        return "c" if level == F.CASE else f"l_{level}"

    def expr(self, f: F.Field, alias: str | None = None) -> str:
        """How ``f`` is read: on ``alias``'s table, or as the query joins it in."""
        if alias is None and f.multi_for(self.unit):
            return f'{self.alias(f.level)}."v_{f.name}"'  # from the level's distinct values
        return f'{alias or self.alias(f.level)}."{_column(f)}"'

    def source(self, kept: list[F.Field]) -> tuple[str, list]:
        """FROM … WHERE … for the units, joined to what ``kept`` fields read.

        A multi-valued field's level is joined as its distinct (case, values) rows, so each
        unit meets each combination of values once: the rows need no DISTINCT of their own
        (the join of a case's platforms with its victims' values stays small)."""
        table = LEVELS[self.unit_level][0]
        sql = f"FROM {table} u"
        needs_case = self.unit_level != F.CASE and (
            self.scope or any(f.level == F.CASE for f, _ in self.filters + [(k, 0) for k in kept])
        )
        if needs_case:
            sql += f" JOIN cases c ON c.id = {self.case_id()}"
        for level in dict.fromkeys(f.level for f in kept):
            if level not in (F.CASE, self.unit_level):
                values = ", ".join(
                    f'{self.expr(f, "t")} AS "v_{f.name}"' for f in kept if f.level == level
                )
                other, alias = LEVELS[level][0], self.alias(level)
                sql += f" LEFT JOIN (SELECT DISTINCT t.case_id, {values} FROM {other} t) {alias}"
                sql += f" ON {alias}.case_id = {self.case_id()}"
        where, params = self.where()
        return sql + (" WHERE " + " AND ".join(where) if where else ""), params

    def where(self) -> tuple[list[str], list]:
        where: list[str] = []
        params: list = []
        for column, value in (self.scope or {}).items():
            where.append(f"c.{column} = ?" if self.unit_level != F.CASE else f"u.{column} = ?")
            params.append(value)
        grouped: dict[str, list] = {}
        by_name: dict[str, F.Field] = {}
        for f, value in self.filters:
            grouped.setdefault(f.name, []).append(value)
            by_name[f.name] = f
        for name, values in grouped.items():
            clause, more = self._filter(by_name[name], values)
            where.append(clause)
            params += more
        return where, params

    def _filter(self, f: F.Field, values: list) -> tuple[str, list]:
        """Units having any of ``values`` in ``f``, as ``crosstab._filter_q`` chooses them."""
        blank = F.NOT_RECORDED in values
        real = [v for v in values if v != F.NOT_RECORDED]
        marks = ", ".join("?" * len(real))
        if not f.multi_for(self.unit):
            expr = self.expr(f)
            parts = [f"{expr} IN ({marks})"] if real else []
            if blank:
                parts.append(f"({expr} = '' OR {expr} IS NULL)")
            return "(" + (" OR ".join(parts) or "FALSE") + ")", real
        other = LEVELS[f.level][0]
        expr = self.expr(f, "t")
        parts = []
        if real:
            parts.append(
                f"{self.case_id()} IN (SELECT t.case_id FROM {other} t WHERE {expr} IN ({marks}))"
            )
        if blank:
            parts.append(f"{self.case_id()} IN (SELECT t.case_id FROM {other} t WHERE {expr} = '')")
            parts.append(f"{self.case_id()} NOT IN (SELECT case_id FROM {other})")
        return "(" + (" OR ".join(parts) or "FALSE") + ")", real


def _clean(value):
    return F.NOT_RECORDED if value is None else value


def _group(cursor, q: _Query, kept: list[F.Field], keyed: bool) -> dict[tuple, Any]:
    """Units per combination of ``kept``: counts, or (count, key sum) pairs; each unit once
    per combination even when a kept field is multi-valued."""
    source, params = q.source(kept)
    exprs = [q.expr(f) for f in kept]
    aliases = [f"g{i}" for i in range(len(kept))]
    selected = ", ".join(f"{e} AS {a}" for e, a in zip(exprs, aliases, strict=True))
    group = f" GROUP BY {', '.join(aliases)}" if aliases else ""
    cols = f"{selected}, " if selected else ""
    sql = f"SELECT {cols}COUNT(*), SUM(u.record_key) {source}{group}"
    rows = cursor.execute(sql, params).fetchall()
    out: dict[tuple, Any] = {}
    for row in rows:  # a blank value and no record at all are both "not recorded"
        key = tuple(_clean(v) for v in row[:-2])
        n, k = int(row[-2]), int(row[-1] or 0) % RECORD_KEY_RANGE
        if n:
            count = (n, k) if keyed else n
            out[key] = _add(out[key], count) if key in out else count
    return out


def _add(a, b):
    return a + b if isinstance(a, int) else (a[0] + b[0], (a[1] + b[1]) % RECORD_KEY_RANGE)


def lookup(
    state: StatsSnapshot, fields_: list[F.Field], unit: str, filters, scope, keyed: bool = False
):
    """Cells and every margin, as ``crosstab._count_live`` counts them; with ``keyed`` each
    a (count, record-key sum mod 2³¹) pair. Raises :class:`Unavailable` if the file has gone."""
    q = _Query(unit, list(fields_), list(filters), scope)
    with _reading(state.path) as cursor:
        cells = _group(cursor, q, q.fields, keyed)
        n = len(fields_)
        margins: dict[tuple, Any] = {}
        multi = {f.name for f in fields_ if f.multi_for(unit)}
        for size in range(n - 1, -1, -1):
            for keep in combinations(range(n), size):
                dropped = [i for i in range(n) if i not in keep]
                if all(fields_[i].name not in multi for i in dropped):
                    # Dropped fields split units without repeating them: sums of the cells.
                    sums: dict[tuple, Any] = {}
                    for key, count in cells.items():
                        sub = tuple(key[i] for i in keep)
                        sums[sub] = _add(sums[sub], count) if sub in sums else count
                else:
                    sums = _group(cursor, q, [fields_[i] for i in keep], keyed)
                for sub, count in sums.items():
                    margin = [TOTAL] * n
                    for pos, i in enumerate(keep):
                        margin[i] = sub[pos]
                    margins[tuple(margin)] = count
    margins.setdefault((TOTAL,) * len(fields_), (0, 0) if keyed else 0)
    return cells, margins
