"""Cross-tabs of the registry: one GROUP BY through the Django ORM, returned as a tidy table.

A cross-tab counts *units* (cases, victims or perpetrators) by the values of one or more
fields (``nanduti.stats.fields``). Filters choose which units are counted ("cases in which
WhatsApp was used"); fields split them. A unit that carries several values of a field is
counted once in each value and once in every total, so the cells of a multi-valued field
can add up to more than its total: the result says so (``multi_valued``) and its totals
are counted directly, never summed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Min, Model, Q, Sum
from django.db.models import F as FieldRef
from django.db.models.fields.json import KeyTextTransform

from nanduti.registry.models import (
    Case,
    Exploitation,
    Perpetrator,
    TechnologyUse,
    Victim,
)
from nanduti.stats import fields as F
from nanduti.stats import persons, snapshot, summary
from nanduti.stats.models import SummaryState
from nanduti.stats.rebuild import request_summary_rebuild
from nanduti.stats.summary import data_version

TOTAL = "_total"
# How long a table read from the summary is kept (it is dropped anyway when the summary is
# rebuilt): only bounds the memory of tables nobody asks for again.
SUMMARY_LOOKUP_SECONDS = 600
LEVEL_MODEL: dict[str, type[Model]] = {
    F.VICTIM: Victim,
    F.TECH: TechnologyUse,
    F.EXPLOITATION: Exploitation,
    F.PERPETRATOR: Perpetrator,
}
UNIT_MODEL: dict[str, type[Model]] = {
    "cases": Case,
    "victims": Victim,
    "perpetrators": Perpetrator,
    "persons": Victim,
}


@dataclass
class CrossTab:
    fields: list[F.Field]
    unit: str
    filters: list[tuple[F.Field, object]]
    categories: list[list]  # per field, the values present, in display order
    cells: dict[tuple, int]  # inner cells with a count > 0
    margins: dict[tuple, int]  # keys with TOTAL in at least one position
    multi_valued: list[str] = field(default_factory=list)
    scope: str = "all"  # "all" or an institution code when restricted to one
    version: dict = field(default_factory=dict)

    @property
    def additive(self) -> bool:
        return not self.multi_valued

    @property
    def total(self) -> int:
        return self.margins.get((TOTAL,) * len(self.fields), 0)

    @property
    def empty(self) -> bool:
        return self.total == 0

    def value(self, key: tuple) -> int:
        if TOTAL in key:
            return self.margins.get(key, 0)
        return self.cells.get(key, 0)

    def label(self, i: int, code, language: str = "es") -> str:
        if code == TOTAL:
            return "Total"
        return self.fields[i].value_label(code, language)


def _path_for_unit(f: F.Field, unit: str) -> str:
    unit_level = F.UNITS[unit]
    if unit_level == F.CASE:
        return f.case_path
    if f.level == unit_level:
        return f.column
    return "case__" + f.case_path


def _case_key(unit: str) -> str:
    return "pk" if unit == "cases" else "case_id"


def _filter_q(f: F.Field, values: list, unit: str) -> Q:
    """Units having any of ``values`` in ``f`` (a subquery when ``f`` is multi-valued)."""
    blank = F.NOT_RECORDED in values
    real = [v for v in values if v != F.NOT_RECORDED]
    if not f.multi_for(unit):
        path = _path_for_unit(f, unit)
        q = Q(**{f"{path}__in": real}) if real else Q(pk__in=[])
        if blank:
            q |= Q(**{path: ""}) | Q(**{f"{path}__isnull": True})
        return q
    model = LEVEL_MODEL[f.level]
    key = _case_key(unit)
    q = Q(pk__in=[])
    if real:
        q |= Q(
            **{
                f"{key}__in": model._default_manager.filter(**{f"{f.column}__in": real}).values(
                    "case_id"
                )
            }
        )
    if blank:
        q |= Q(**{f"{key}__in": model._default_manager.filter(**{f.column: ""}).values("case_id")})
        q |= ~Q(**{f"{key}__in": model._default_manager.values("case_id")})
    return q


def base_queryset(unit: str, filters: list[tuple[F.Field, object]], scope: dict | None = None):
    model = UNIT_MODEL[unit]
    qs = model._default_manager.all()
    if unit == persons.UNIT:
        qs = persons.annotate(qs, persons.current_run())
    if scope:
        prefix = "" if unit == "cases" else "case__"
        qs = qs.filter(**{prefix + k: v for k, v in scope.items()})
    grouped: dict[str, list] = defaultdict(list)
    by_name = {}
    for f, value in filters:
        grouped[f.name].append(value)
        by_name[f.name] = f
    for name, values in grouped.items():
        qs = qs.filter(_filter_q(by_name[name], values, unit))
    return qs


def _clean(value):
    return F.NOT_RECORDED if value is None else value


def keys_as_text(qs, paths: list[str]):
    """``qs`` and the names to read ``paths`` by, JSON keys (CTDC variables) read as text:
    through a plain path SQLite would give "-99" back as the number -99."""
    names = []
    for i, path in enumerate(paths):
        column, _, key = path.partition("ctdc__")
        if key:  # KeyTextTransform, not KT: KT misreads a path through a reverse relation
            qs = qs.annotate(**{f"_text{i}": KeyTextTransform(key, f"{column}ctdc")})
            path = f"_text{i}"
        names.append(path)
    return qs, names


def _group(qs, paths: list[str], distinct: bool, keyed: bool = False) -> dict[tuple, Any]:
    """Units per combination of ``paths``; with ``keyed``, (units, sum of their record keys)."""
    unit_key = _unit_key(qs)
    if keyed:
        return _group_keyed(qs, paths, distinct or unit_key != "pk", unit_key)
    counted = Count(unit_key, distinct=True) if distinct or unit_key != "pk" else Count("pk")
    if not paths:
        return {(): qs.aggregate(n=counted)["n"] or 0}
    qs, paths = keys_as_text(qs, paths)
    rows = qs.order_by().values(*paths).annotate(n=counted).values_list(*paths, "n")
    out: dict[tuple, int] = defaultdict(int)
    for row in rows:
        out[tuple(_clean(v) for v in row[:-1])] += row[-1]
    return dict(out)


def _unit_key(qs) -> str:
    """What one unit is: a row, or a unique person when the victims carry person keys."""
    return persons.KEY if persons.KEY in qs.query.annotations else "pk"


def _group_keyed(
    qs, paths: list[str], distinct: bool, unit_key: str = "pk"
) -> dict[tuple, tuple[int, int]]:
    """(units, sum of record keys) per combination, each unit once per combination.

    When a join can repeat a unit, the (unit, combination) groups are taken first and
    counted in an outer query (a key must not be summed twice, and SUM(DISTINCT) would drop
    equal keys of different units). A unique person's key is the smallest of their
    records' keys, so a person gets the same key in every table."""
    qs, paths = keys_as_text(qs, paths)
    aliases = [f"c{i}" for i in range(len(paths))]
    qs = qs.order_by().annotate(**{a: FieldRef(p) for a, p in zip(aliases, paths, strict=True)})
    rows: Iterable[tuple]
    if not distinct and not aliases:
        found = qs.aggregate(n=Count("pk"), k=Sum("record_key"))
        rows = [(found["n"] or 0, found["k"])]
    elif not distinct:
        grouped = qs.values(*aliases).annotate(n=Count("pk"), k=Sum("record_key"))
        rows = grouped.values_list(*aliases, "n", "k")
    else:
        inner = qs.annotate(u_=FieldRef(unit_key)).values("u_", *aliases)
        inner_sql, params = inner.annotate(k_=Min("record_key")).query.sql_with_params()
        cols = ", ".join(f'"{a}"' for a in aliases)
        group = f" GROUP BY {cols}" if aliases else ""
        head = f"{cols}, " if aliases else ""
        sql = f'SELECT {head}COUNT(*), SUM("k_") FROM ({inner_sql}) AS units{group}'
        with connections[qs.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    out: dict[tuple, tuple[int, int]] = {}
    for row in rows:
        key = tuple(_clean(v) for v in row[:-2])
        n, k = out.get(key, (0, 0))
        out[key] = (n + row[-2], k + int(row[-1] or 0))
    return out


def _order(f: F.Field, present: set) -> list:
    if f.kind == "year":
        known = sorted(v for v in present if v != F.NOT_RECORDED)
    elif f.kind == "bool":
        known = [v for v in (False, True) if v in present]
    else:
        codes = f.values()
        rank = {c: i for i, c in enumerate(codes)}
        known = sorted(
            (v for v in present if v != F.NOT_RECORDED), key=lambda v: (rank.get(v, 10**6), str(v))
        )
    return known + ([F.NOT_RECORDED] if F.NOT_RECORDED in present else [])


def current_data_version() -> dict:
    """:func:`data_version`, counted again only after the registry changed (page views)."""
    from nanduti.registry import freshness

    return freshness.kept("stats:data_version", data_version)


def _summary_version(fields_, unit, filters, scope, version) -> tuple[dict, Any] | None:
    """The version to report and the summary's state when the summary answers this table;
    None to count live.

    A stale summary is never rebuilt here (that takes a minute per million cases): a rebuild
    is requested, small registries are counted live meanwhile, and larger ones are answered
    from the last summary, marked stale with the time it was built.
    """
    if not getattr(settings, "NANDUTI_STATS_AUTO_REFRESH", True):
        return None
    if not summary.eligible(fields_, unit, filters, scope):
        return None
    state = SummaryState.objects.first()
    if state is not None and state.version == version:
        return {**version, "summary": True}, state
    request_summary_rebuild()
    if state is None or version["cases"] <= settings.NANDUTI_STATS_LIVE_MAX_CASES:
        return None
    built = state.refreshed_at.isoformat(timespec="seconds")
    return {**state.version, "summary": True, "stale": True, "summary_built_at": built}, state


def _from_snapshot(fields_, unit, filters, scope, keyed: bool, version: dict):
    """(cells, margins) and the version to report, from the columnar snapshot when it can
    answer; (None, ``version``) to count live. Freshness rules as for the summary: a stale
    snapshot asks for a rebuild and answers (marked stale) only a registry too big to count
    live."""
    if not getattr(settings, "NANDUTI_STATS_AUTO_REFRESH", True):
        return None, version
    if not snapshot.eligible(unit, scope):
        return None, version
    state = snapshot.current()
    fresh = state is not None and state.version == version
    if not fresh:
        request_summary_rebuild()
    if state is None or not fresh and version["cases"] <= settings.NANDUTI_STATS_LIVE_MAX_CASES:
        return None, version
    try:
        found = snapshot.lookup(state, fields_, unit, filters, scope, keyed)
    except snapshot.Unavailable:
        return None, version  # its file went away (replaced by a newer build): count live
    if fresh:
        return found, {**version, "snapshot": True}
    built = state.built_at.isoformat(timespec="seconds")
    return found, {**state.version, "snapshot": True, "stale": True, "summary_built_at": built}


def build(
    fields_: list[F.Field],
    unit: str = "cases",
    filters: list[tuple[F.Field, object]] | None = None,
    scope: dict | None = None,
    scope_label: str = "all",
) -> CrossTab:
    """Count ``unit`` by ``fields_`` (one GROUP BY), with every margin."""
    return _build(fields_, unit, filters, scope, scope_label, keyed=False)[0]


def _build(fields_, unit, filters, scope, scope_label, keyed: bool):
    """The cross-tab and its cells and margins as counted: counts, or with ``keyed``
    (count, record-key sum) pairs; from the summary when it can answer, else live."""
    F.check_unit(unit)
    filters = filters or []
    multi = _counted_apart(fields_, unit)
    version = current_data_version()
    if unit == persons.UNIT:
        version["linkage_run"] = persons.describe(persons.current_run())
    from_summary = _summary_version(fields_, unit, filters, scope, version)
    found = None
    if from_summary is not None:
        version, state = from_summary
        found = _kept_lookup(state, fields_, unit, filters, scope, keyed)
    else:
        found, version = _from_snapshot(fields_, unit, filters, scope, keyed, version)
    cells, margins = found or _count_live(fields_, unit, filters, scope, multi, keyed)

    def counts(found: dict) -> dict:
        return {k: v[0] for k, v in found.items()} if keyed else found

    table = CrossTab(
        fields=list(fields_),
        unit=unit,
        filters=filters,
        categories=[_order(f, {k[i] for k in cells}) for i, f in enumerate(fields_)],
        cells=counts(cells),
        margins=counts(margins),
        multi_valued=multi,
        scope=scope_label,
        version=version,
    )
    return table, cells, margins


def _kept_lookup(state: SummaryState, fields_, unit: str, filters, scope, keyed: bool):
    """:func:`summary.lookup`, kept in the cache for the summary build it read: the cells
    change only when :func:`summary.refresh` replaces them, and with them the state row
    (a new id and build time), so a kept answer never outlives its build. Summed from
    17,000 summary rows, the dashboard's default table took 12–14 ms of PostgreSQL per
    view at 100,000 cases. The answer holds counts and key sums only, never who asked:
    the privacy applied to it (suppression, cell key, budget) is applied per request."""
    from nanduti.registry import freshness

    if connections["default"].in_atomic_block:
        return summary.lookup(fields_, unit, filters, scope, keyed)
    key = freshness.cache_key(
        "stats:summary-lookup",
        state.pk,
        state.refreshed_at.isoformat(),
        [f.name for f in fields_],
        unit,
        parsed_key(filters),
        sorted((scope or {}).items()),
        keyed,
    )
    found = cache.get(key)
    if found is None:
        found = summary.lookup(fields_, unit, filters, scope, keyed)
        cache.set(key, found, SUMMARY_LOOKUP_SECONDS)
    return found


def _counted_apart(fields_: list[F.Field], unit: str) -> list[str]:
    """Fields whose margins are counted, not summed: a unit may fall in several of their
    cells (a case's platforms; a person's records, in any field)."""
    if unit == persons.UNIT:
        return [f.name for f in fields_]
    return [f.name for f in fields_ if f.multi_for(unit)]


def _count_live(fields_, unit: str, filters, scope, multi: list[str], keyed: bool = False):
    """Cells and every margin counted from the registry tables; with ``keyed`` each count
    is a (count, record-key sum) pair of the cell's own units."""
    qs = base_queryset(unit, filters, scope)
    paths = [_path_for_unit(f, unit) for f in fields_]
    distinct = bool(multi)
    cells = {k: n for k, n in _group(qs, paths, distinct, keyed).items() if n}
    n = len(fields_)
    margins: dict[tuple, Any] = {}  # counts, or (count, key sum) pairs with ``keyed``
    for kept in range(n - 1, -1, -1):
        for keep in combinations(range(n), kept):
            dropped = [i for i in range(n) if i not in keep]
            if all(fields_[i].name not in multi for i in dropped):
                # The dropped fields split units without repeating them: a margin's units
                # are exactly those of its cells, so their counts (and key sums) add up.
                sums: dict[tuple, Any] = {}
                for key, count in cells.items():
                    sub = tuple(key[i] for i in keep)
                    sums[sub] = summary.add_counts(sums[sub], count) if sub in sums else count
            else:
                # Units split by the kept fields only. Only a kept multi-valued field joins
                # rows that repeat a unit (filters are subqueries, a unique person is keyed
                # by _group itself), so only then the distinct (unit, cell) pass: a margin
                # over case fields is one plain GROUP BY (a tenth of the time at 1M cases).
                sub_distinct = any(fields_[i].name in multi for i in keep)
                sums = _group(qs, [paths[i] for i in keep], sub_distinct, keyed)
            for sub, count in sums.items():
                margin = [TOTAL] * n
                for pos, i in enumerate(keep):
                    margin[i] = sub[pos]
                margins[tuple(margin)] = count
    if keyed:
        margins.setdefault((TOTAL,) * n, (0, 0))
    return cells, margins


def build_keyed(
    fields_: list[F.Field], unit: str, filters, scope, scope_label: str = "all"
) -> tuple[CrossTab, dict, dict]:
    """The cross-tab and, for each cell and margin, (count, sum of its units' record keys);
    from the summary (which keeps key sums) when it can answer, as :func:`build`."""
    return _build(fields_, unit, filters, scope, scope_label, keyed=True)


# A cell-key table of every case takes a second of database time at 100,000 cases: while
# the registry changes (an import commits every second or so) it is recounted at most
# this often, the last one shown meanwhile, marked stale.
KEYED_SETTLE_SECONDS = 15


def _kept_keyed(chosen, unit, parsed, scope, scope_label):
    """:func:`build_keyed`, counted once per data version: every viewer of a cell-key
    table gets the same perturbation of the same counts, so one count serves them all.
    While a new version is counted, and for ``KEYED_SETTLE_SECONDS`` after a count,
    requests get the previous version's table, marked stale with the time it was counted
    (as a stale summary is)."""
    from nanduti.registry import freshness

    if (
        unit == persons.UNIT
        or summary.eligible(chosen, unit, parsed, scope)
        or (snapshot.eligible(unit, scope) and snapshot.current() is not None)
    ):
        # Persons depend on the linkage run too; the summary and the snapshot answer the
        # others cheaply (and a stale one must not be kept past its rebuild).
        return build_keyed(chosen, unit, parsed, scope, scope_label)
    version = current_data_version()
    name = ("stats:keyed", [f.name for f in chosen], unit, parsed_key(parsed), scope, scope_label)
    (table, cells, margins), counted_at = freshness.once_per_version(
        repr(name),
        version,
        lambda: build_keyed(chosen, unit, parsed, scope, scope_label),
        settle=KEYED_SETTLE_SECONDS,
    )
    if counted_at is not None:
        table.version = {**table.version, "stale": True, "summary_built_at": counted_at}
    return table, cells, margins


def parsed_key(parsed: list[tuple[F.Field, object]]) -> list[tuple[str, str]]:
    return [(f.name, repr(value)) for f, value in parsed]


def run(
    by: str | list[str],
    unit: str = "cases",
    filters: list[str] | None = None,
    scope: dict | None = None,
    scope_label: str = "all",
    keyed: bool = False,
):
    """Parse field names and ``FIELD=VALUE`` filters, then :func:`build` (or, with
    ``keyed``, :func:`build_keyed`)."""
    chosen = F.parse_fields(by)
    parsed = [F.parse_filter(s) for s in (filters or []) if s and s.strip()]
    return (_kept_keyed if keyed else build)(chosen, unit, parsed, scope, scope_label)
