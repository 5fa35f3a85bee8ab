"""The materialised summary: pre-aggregated counts that answer common cross-tabs fast.

Counting a million cases by year and sex means joining a million victims to their cases
on every page view (about 2.5 s in SQLite). The summary (``SummaryCell``) holds the same
counts pre-aggregated at the grain of the case fields year × institution × department ×
source × synthetic, crossed with one *family* of multi-valued fields at a time: the
victim family (sex, age band), the technology family (platform, technology category) or
the exploitation family (exploitation type). A few tens of thousands of rows, so such
tables take milliseconds.

For ``unit="victims"`` rows are victims and add up. For ``unit="cases"`` a family field
is either a value (cases having it, each case once per value) or ``*`` (summed over), one
row set per grouping, exactly as the live count (COUNT DISTINCT) does.

It is rebuilt by :func:`refresh` — by ``nanduti rebuild-summaries`` or in the background when
a cross-tab finds it older than the data (``nanduti.stats.rebuild``), never inside a request.
While it is stale, small registries are counted live and larger ones answered from it with
the figures marked stale and the time they were built. Tables it cannot answer (fields of
two families, other fields, filters on family fields when counting cases, perpetrators) are
answered from the columnar snapshot (``snapshot.py``), or counted live without one.
"""

from __future__ import annotations

import time
from collections import defaultdict
from itertools import combinations
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum

from nanduti.registry.fields import RECORD_KEY_RANGE
from nanduti.registry.models import (
    AuditEvent,
    Case,
    Exploitation,
    ImportBatch,
    Institution,
    TechnologyUse,
    Victim,
)
from nanduti.stats import fields as F
from nanduti.stats.models import SummaryCell, SummaryState

CASE_DIMS = ["year", "institution", "department", "source", "synthetic"]
FAMILIES = {
    # family: (model, its fields in the summary, their columns on the model)
    "victim": (Victim, ["sex", "age_band"], ["sex", "age_band"]),
    "tech": (TechnologyUse, ["platform", "technology"], ["platform", "technology"]),
    "exploitation": (Exploitation, ["exploitation"], ["type"]),
}
FAMILY_DIMS = [d for _, dims, _ in FAMILIES.values() for d in dims]
VICTIM_DIMS = FAMILIES["victim"][1]
DIMS = CASE_DIMS + FAMILY_DIMS
ANY = "*"
REFRESH_LOCK = 0x4E44_5355  # PostgreSQL advisory-lock key of the summary's write transaction
_CASE_PATHS = {
    "year": "year",
    "institution": "institution__code",
    "department": "department",
    "source": "source",
    "synthetic": "synthetic",
}


def data_version() -> dict:
    """What the figures were computed from: case and victim records and the last change.

    Victims and audit events are counted too, because a victim can be added or changed
    without its case's ``updated_at`` moving.
    """
    # Separate COUNT(*) and MAX(id) queries: each alone is answered from an index.
    cases = {"n": Case.objects.count(), "top": Case.objects.aggregate(top=Max("pk"))["top"]}
    victims = {"n": Victim.objects.count(), "top": Victim.objects.aggregate(top=Max("pk"))["top"]}
    audit = AuditEvent.objects.aggregate(top=Max("pk"), last=Max("at"))
    batch = ImportBatch.objects.aggregate(top=Max("pk"), last=Max("created_at"))
    last = max((t for t in (audit["last"], batch["last"]) if t), default=None)
    return {
        "cases": cases["n"],
        "case_max_id": cases["top"],
        "victims": victims["n"],
        "victim_max_id": victims["top"],
        "audit_max_id": audit["top"],
        "import_max_id": batch["top"],
        "last_change": last.isoformat(timespec="seconds") if last else None,
    }


def refresh(version: dict | None = None) -> SummaryState:
    """Rebuild the summary from the registry."""
    started = time.perf_counter()
    version = version or data_version()
    case_paths = [_CASE_PATHS[d] for d in CASE_DIMS]
    rows: list[SummaryCell] = []
    victim_rows = (
        Victim.objects.order_by()
        .values_list(*["case__" + p for p in case_paths], "sex", "age_band")
        .annotate(n=Count("pk"), k=Sum("record_key"))
    )
    for values in victim_rows:
        head, (sex, age), (n, k) = values[:5], values[5:7], values[-2:]
        rows.append(_cell("victims", head, {"sex": sex or "", "age_band": age or ""}, n, k))
    case_rows = (
        Case.objects.order_by()
        .values_list(*case_paths)
        .annotate(n=Count("pk"), k=Sum("record_key"))
    )
    for values in case_rows:
        rows.append(_cell("cases", values[:-2], {}, *values[-2:]))
    for family in FAMILIES:
        for (head, dims), (n, k) in _family_counts(family, case_paths).items():
            rows.append(_cell("cases", head, dict(dims), n, k))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two overlapping rebuilds: the second waits here and then deletes the first's
            # rows (in READ COMMITTED its DELETE would otherwise miss them and add its own).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
        SummaryCell.objects.all().delete()
        SummaryCell.objects.bulk_create(rows, batch_size=5000)
        SummaryState.objects.all().delete()
        state = SummaryState.objects.create(
            version=version, seconds=time.perf_counter() - started, rows=len(rows)
        )
    return state


def _groupings(dims: list[str]) -> list[tuple[str, ...]]:
    """Every non-empty subset of a family's fields (the empty one is the case-only rows)."""
    return [c for k in range(1, len(dims) + 1) for c in combinations(dims, k)]


def _family_counts(family: str, case_paths: list[str]) -> dict[tuple, list[int]]:
    """Cases and the sum of their record keys per case fields × each grouping of one family,
    each case once per value.

    One pass over the family's records in case order (instead of one COUNT DISTINCT per
    grouping), plus the cases with no record of the family, which count as not recorded.
    """
    model, dims, columns = FAMILIES[family]
    groupings = _groupings(dims)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    related = {"victim": "victims", "tech": "technologies", "exploitation": "exploitations"}
    without = (
        Case.objects.filter(**{f"{related[family]}__isnull": True})
        .order_by()
        .values_list(*case_paths)
        .annotate(n=Count("pk"), k=Sum("record_key"))
    )
    for values in without:
        for grouping in groupings:
            cell = counts[(values[:-2], tuple((d, "") for d in grouping))]
            cell[0] += values[-2]
            cell[1] += values[-1]
    current, head, key = None, None, 0
    seen: set[tuple] = set()

    def flush():
        for grouping_values in seen:
            cell = counts[(head, grouping_values)]
            cell[0] += 1
            cell[1] += key

    records = (
        model._default_manager.order_by("case_id")
        .values_list("case_id", "case__record_key", *["case__" + p for p in case_paths], *columns)
        .iterator(chunk_size=20000)
    )
    width = len(case_paths)
    for row in records:
        if row[0] != current:
            if current is not None:
                flush()
            current, key, head, seen = row[0], row[1], row[2 : 2 + width], set()
        values = dict(zip(dims, (v or "" for v in row[2 + width :]), strict=True))
        for grouping in groupings:
            seen.add(tuple((d, values[d]) for d in grouping))
    if current is not None:
        flush()
    return counts


def _cell(unit: str, head: tuple, dims: dict, n: int, key_sum: int | None) -> SummaryCell:
    year, inst, dept, source, synthetic = head
    family = {d: dims.get(d, ANY) for d in FAMILY_DIMS}
    return SummaryCell(
        unit=unit,
        year=year,
        institution=inst or "",
        department=dept or "",
        source=source or "",
        synthetic=bool(synthetic),
        n=n,
        key_sum=int(key_sum or 0) % RECORD_KEY_RANGE,
        **family,
    )


def eligible(fields_: list[F.Field], unit: str, filters, scope: dict | None) -> bool:
    names = {f.name for f in fields_}
    if unit == "victims":
        allowed = set(CASE_DIMS + VICTIM_DIMS)
    elif unit == "cases":
        allowed = set(DIMS)
    else:
        return False
    if not names <= allowed:
        return False
    families = {fam for fam, (_, dims, _) in FAMILIES.items() if names & set(dims)}
    if unit == "cases" and len(families) > 1:
        return False  # a case × two families would need their joint distribution
    for f, _ in filters:
        if f.name not in allowed or (unit == "cases" and f.name in FAMILY_DIMS):
            return False
    return not scope or set(scope) <= {"institution_id"}


def _key(value):
    return F.NOT_RECORDED if value is None else value


def _filtered(unit: str, filters, scope: dict | None):
    wanted: dict[str, set] = defaultdict(set)
    for f, value in filters:
        wanted[f.name].add(value)
    if scope and "institution_id" in scope:
        code = set(
            Institution.objects.filter(pk=scope["institution_id"]).values_list("code", flat=True)
        )
        wanted["institution"] = (wanted["institution"] & code) if wanted["institution"] else code
    qs = SummaryCell.objects.filter(unit=unit)
    for name, allowed in wanted.items():
        q = Q(**{f"{name}__in": [v for v in allowed if v != F.NOT_RECORDED]})
        if F.NOT_RECORDED in allowed:
            q |= Q(**{f"{name}__isnull": True}) if name == "year" else Q(**{name: ""})
        qs = qs.filter(q)
    return qs


def add_counts(a, b):
    """Counts add; (count, key sum) pairs add element-wise."""
    return a + b if isinstance(a, int) else (a[0] + b[0], a[1] + b[1])


def _sum_by(qs, names: list[str], keyed: bool) -> dict[tuple, object]:
    """Counts per combination of ``names``; with ``keyed``, (count, key sum) pairs."""
    sums = {"total": Sum("n")} | ({"keys": Sum("key_sum")} if keyed else {})

    def value(found):
        n = found["total"] or 0
        return (n, int(found["keys"] or 0) % RECORD_KEY_RANGE) if keyed else n

    if not names:
        return {(): value(qs.aggregate(**sums))}
    rows = qs.order_by().values(*names).annotate(**sums)
    return {tuple(_key(row[name]) for name in names): value(row) for row in rows}


def lookup(fields_: list[F.Field], unit: str, filters, scope: dict | None, keyed: bool = False):
    """Cells and margins from the summary, as :func:`crosstab.build` would count them; with
    ``keyed``, each a (count, record-key sum) pair as :func:`crosstab.build_keyed` gives."""

    names = [f.name for f in fields_]
    n = len(names)
    qs = _filtered(unit, filters, scope)
    if unit == "cases":
        qs = qs.filter(**{d: ANY for d in FAMILY_DIMS if d not in names})
    out: dict[tuple, Any] = {}  # counts, or (count, key sum) when keyed
    finest: dict[tuple, object] | None = None
    # Victim rows add up, and so do case rows over case fields only (each case in one row).
    additive = unit == "victims" or not set(names) & set(FAMILY_DIMS)
    for kept in range(n, -1, -1):
        for keep in combinations(range(n), kept):
            if additive:
                # One GROUP BY, every margin summed from it.
                if finest is None:
                    finest = _sum_by(qs, names, keyed)
                sums: dict[tuple, object] = {}
                for key, count in finest.items():
                    sub = tuple(key[i] for i in keep)
                    sums[sub] = add_counts(sums[sub], count) if sub in sums else count
            else:
                sub_qs = qs
                for i in range(n):
                    if names[i] in FAMILY_DIMS:
                        if i in keep:
                            sub_qs = sub_qs.exclude(**{names[i]: ANY})
                        else:
                            sub_qs = sub_qs.filter(**{names[i]: ANY})
                sums = _sum_by(sub_qs, [names[i] for i in keep], keyed)
            for sub_key, count in sums.items():
                margin = ["_total"] * n
                for pos, i in enumerate(keep):
                    margin[i] = sub_key[pos]
                out[tuple(margin)] = count
    if keyed:
        # Key sums of a margin summed from cells can pass 2³¹: reduced as the live count is.
        out = {k: (v[0], v[1] % RECORD_KEY_RANGE) for k, v in out.items()}
    cells = {k: v for k, v in out.items() if "_total" not in k and (v[0] if keyed else v)}
    margins = {k: v for k, v in out.items() if "_total" in k}
    margins.setdefault(("_total",) * n, (0, 0) if keyed else 0)
    return cells, margins
