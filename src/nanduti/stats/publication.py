"""Curated publications: a set of tables protected *together* by optimal secondary suppression.

A publication's tables share cells (a year's total appears in "cases per year" and in
"cases by year and department"); one cell — the same units — gets one decision in every
table. The suppression pattern is chosen for the whole set by an integer program (HiGHS
through ``scipy.optimize.milp``), in the spirit of tau-Argus's optimal method and R's
sdcTable:

* one binary variable per distinct non-zero cell (zeros are published: they hide nobody);
* primary cells (1 … threshold−1) are hidden;
* a margin of ``BIG_TOTAL`` or more costs a thousand times its count to hide, so it is
  hidden only when nothing else can protect a small cell (no year or total of hundreds
  disappears because of a neighbour of 1 while a smaller neighbour could do);
* in every additive line (a total and the cells it sums, along a single-valued field) a
  hidden cell is never alone;
* the objective is the count hidden (plus a small cost per cell), so small neighbours are
  hidden before big ones;
* then the linear-programming attack (:mod:`nanduti.stats.audit`) runs over all tables and
  margins; each cell it recovers exactly adds a constraint (hide one more of the cells
  sharing a line with it) and the program is solved again, until the attack recovers
  nothing.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import product

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from nanduti.stats import audit, disclosure
from nanduti.stats.audit import AuditReport, Obtained  # names: Protected.audit hides the module
from nanduti.stats.crosstab import TOTAL, CrossTab
from nanduti.stats.models import Publication

JOINT_METHOD = "joint optimal suppression, audited"
BIG_TOTAL = 50
BIG_PENALTY = 1000
MAX_ROUNDS = 15


@dataclass
class Protected:
    tables: list[CrossTab]
    hidden: list[set] = field(default_factory=list)  # per table, keys hidden
    audit: AuditReport | None = None
    rounds: int = 0

    def obtained(self) -> list[Obtained]:
        out = []
        for i, (t, hidden) in enumerate(zip(self.tables, self.hidden, strict=True)):
            axes = disclosure.extended_axes(t.categories)
            shown: dict[tuple, object] = {
                k: disclosure.MARK if k in hidden else t.value(k) for k in product(*axes)
            }
            out.append(
                audit.Obtained(t.fields, t.unit, list(t.filters), "suppress", shown, f"T{i}")
            )
        return out

    def hidden_share(self) -> float:
        """Share of the tables' total count hidden (inner cells; the information lost)."""
        return hidden_share(self.tables, self.hidden)


def hidden_share(tables: list[CrossTab], hidden: list[set]) -> float:
    lost = whole = 0
    for t, h in zip(tables, hidden, strict=True):
        whole += sum(t.cells.values())
        lost += sum(n for k, n in t.cells.items() if k in h)
    return lost / whole if whole else 0.0


def _identity(t: CrossTab, key: tuple) -> tuple:
    named = frozenset((f.name, v) for f, v in zip(t.fields, key, strict=True) if v != TOTAL)
    return (t.unit, tuple((f.name, str(v)) for f, v in t.filters), named)


def _lines(t: CrossTab) -> list[list[tuple]]:
    """Additive lines of a table: a total and its non-zero cells along one field."""
    values = disclosure.table_values(t)
    axes = disclosure.extended_axes(t.categories)
    lines = []
    for d, f in enumerate(t.fields):
        if f.multi_for(t.unit):
            continue  # a unit in several values: the cells do not add up to the total
        others = [axes[i] if i != d else [TOTAL] for i in range(len(axes))]
        for parent in product(*others):
            children = [
                tuple(v if i == d else parent[i] for i in range(len(parent)))
                for v in t.categories[d]
            ]
            members = [k for k in [parent, *children] if values.get(k, 0) > 0]
            if len(members) > 1:
                lines.append(members)
    return lines


def protect(tables: list[CrossTab], threshold: int = 5) -> Protected:
    ids: dict[tuple, int] = {}
    counts: list[int] = []
    where: list[list[tuple[int, tuple]]] = []  # per variable, (table, key) it stands for
    for ti, t in enumerate(tables):
        for key, n in disclosure.table_values(t).items():
            if n <= 0:
                continue
            ident = _identity(t, key)
            if ident not in ids:
                ids[ident] = len(counts)
                counts.append(n)
                where.append([])
            where[ids[ident]].append((ti, key))
    size = len(counts)
    var = {(ti, key): j for j, places in enumerate(where) for ti, key in places}
    rows: list[dict[int, float]] = []
    lows: list[float] = []
    for ti, t in enumerate(tables):
        for members in _lines(t):
            js = [var[(ti, k)] for k in members]
            for j in js:
                row = {o: 1.0 for o in js if o != j}
                row[j] = row.get(j, 0) - 1.0
                rows.append(row)
                lows.append(0.0)
    lower = np.zeros(size)
    upper = np.ones(size)
    cost = np.array(counts, float) + 0.1
    for j, n in enumerate(counts):
        if 0 < n < threshold:
            lower[j] = 1
        margin = any(TOTAL in key for _, key in where[j])
        if margin and n >= BIG_TOTAL:
            # Hidden only when nothing else protects a small cell (a line whose other
            # figures are all big totals): then the count hidden is worth far more.
            cost[j] += BIG_PENALTY * n
    result = Protected(tables)
    tries: Counter[int] = Counter()
    for round_ in range(1, MAX_ROUNDS + 1):
        chosen = _solve(cost, rows, lows, lower, upper, size)
        result.hidden = [set() for _ in tables]
        for picked in np.flatnonzero(chosen):
            for ti, key in where[picked]:
                result.hidden[ti].add(key)
        result.rounds = round_
        result.audit = audit.audit(result.obtained())
        if not result.audit.exact:
            return result
        for recovery in result.audit.exact:
            ti = int(recovery.table[1:])
            t = tables[ti]
            key = tuple(recovery.cell.get(f.name, TOTAL) for f in t.fields)
            # Hide one more cell of the recovered cell's lines (along any field, multi-valued
            # ones included), or failing that of its table.
            near = [
                var[(ti, k)]
                for k in disclosure.table_values(t)
                if (ti, k) in var and sum(a != b for a, b in zip(k, key, strict=True)) == 1
            ]
            same = [o for (i, _), o in var.items() if i == ti]
            # A cell recovered again is given a wider choice: its table, then every cell.
            j = var[(ti, key)]
            tries[j] += 1
            for candidates in [near, same, range(size)][tries[j] - 1 :]:
                free = [o for o in candidates if not chosen[o]]
                if free:
                    rows.append(dict.fromkeys(free, 1.0))
                    lows.append(1.0)
                    break
    return result


def _solve(cost, rows, lows, lower, upper, size) -> np.ndarray:
    constraints = []
    if rows:
        r, c, v = [], [], []
        for i, row in enumerate(rows):
            for j, value in row.items():
                r.append(i)
                c.append(j)
                v.append(value)
        matrix = coo_matrix((v, (r, c)), shape=(len(rows), size)).tocsr()
        constraints.append(LinearConstraint(matrix, np.array(lows), np.full(len(rows), np.inf)))
    solved = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(size),
        bounds=Bounds(lower, upper),
        options={"time_limit": 120},
    )
    if solved.x is None:
        raise PublicationError(f"HiGHS: {solved.message}")
    return np.round(solved.x).astype(bool)


class PublicationError(ValueError):
    """A publication that cannot be drafted or approved (bilingual message)."""


def draft(title: str, specs: list[dict], user) -> Publication:
    """A draft: the tables are checked (fields, unit, filters) but nothing is counted yet."""
    from nanduti.stats import fields as F

    if not specs:
        raise PublicationError("Una publicación necesita tablas / a publication needs tables")
    for spec in specs:
        F.check_unit(spec.get("unit", "cases"))
        F.parse_fields(spec["by"])
        for f in spec.get("filters", []):
            F.parse_filter(f)
    return Publication.objects.create(title=title, tables=specs, created_by=user)


def approve(
    publication: Publication, user=None, threshold: int = 5, operator: bool = False
) -> Protected:
    """Protect the tables together, audit them, and freeze what is shown; refused when the
    attack still recovers a hidden figure. ``operator``: the command line (the demo)."""
    from django.utils import timezone

    from nanduti.registry import permissions
    from nanduti.registry.models import Role
    from nanduti.stats import crosstab as ct

    if not operator and permissions.role(user) not in (Role.STEWARD, Role.ADMIN):
        raise PublicationError(
            "Solo responsables de datos aprueban publicaciones / only data stewards approve"
        )
    if publication.status != Publication.DRAFT:
        raise PublicationError("Ya aprobada: congelada / already approved: frozen")
    tables = [
        ct.run(s["by"], s.get("unit", "cases"), s.get("filters", [])) for s in publication.tables
    ]
    protected = protect(tables, threshold)
    report = protected.audit
    assert report is not None  # protect() audits every round it tries
    if report.exact:
        raise PublicationError(
            f"El ataque recupera {len(report.exact)} cifras ocultas: no se aprueba / "
            f"the attack recovers {len(report.exact)} hidden figures: not approved"
        )
    publication.frozen = [
        _freeze(t, hidden, spec, threshold)
        for t, hidden, spec in zip(tables, protected.hidden, publication.tables, strict=True)
    ]
    publication.audit = report.as_dict()
    publication.hidden_share = protected.hidden_share()
    publication.status = Publication.APPROVED
    publication.approved_by = user if getattr(user, "is_authenticated", False) else None
    publication.approved_at = timezone.now()
    publication.save()
    return protected


def _freeze(t: CrossTab, hidden: set, spec: dict, threshold: int) -> dict:
    values = disclosure.table_values(t)
    return {
        "title": spec.get("title") or "",
        "by": [f.name for f in t.fields],
        "unit": t.unit,
        "filters": list(spec.get("filters", [])),
        "categories": t.categories,
        "threshold": threshold,
        "version": t.version,
        # Hidden figures are not stored at all: the frozen publication holds only what is shown.
        "figures": [[list(k), None if k in hidden else n] for k, n in values.items()],
    }


def frozen_results(publication: Publication) -> list:
    """The frozen tables as results the pages and the report lay out like any other."""
    from nanduti.stats import fields as F
    from nanduti.stats.publish import Result

    out = []
    for table in publication.frozen:
        fields_ = F.parse_fields(table["by"])
        figures = {tuple(k): v for k, v in table["figures"]}
        shown = {k: v for k, v in figures.items() if v is not None}
        t = CrossTab(
            fields=fields_,
            unit=table["unit"],
            filters=[F.parse_filter(f) for f in table["filters"]],
            categories=table["categories"],
            cells={k: v for k, v in shown.items() if TOTAL not in k},
            margins={k: v for k, v in shown.items() if TOTAL in k},
            multi_valued=[f.name for f in fields_ if f.multi_for(table["unit"])],
            version=table["version"],
        )
        hidden = {k for k, v in figures.items() if v is None}
        suppression = disclosure.Suppression(table["threshold"], suppressed=hidden)
        result = Result(t, "suppress", table["threshold"], suppression, method=JOINT_METHOD)
        out.append((table, result))
    return out


def parse_specs(text: str) -> list[dict]:
    """Table lines of the draft form: ``unit: field,field [| filter=value …] [# title]``."""
    specs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        line, _, title = line.partition("#")
        head, _, filters = line.partition("|")
        unit, sep, by = head.partition(":")
        if not sep:
            unit, by = "cases", head
        specs.append(
            {
                "unit": unit.strip() or "cases",
                "by": by.strip(),
                "filters": filters.split(),
                "title": title.strip(),
                "line": number,
            }
        )
    return specs


PANELS = [
    # The demo's first publication: (fields, unit, Spanish title, English title)
    (["year"], "cases", "Casos por año", "Cases per year"),
    (["department"], "cases", "Casos por departamento", "Cases by department"),
    (
        ["sex", "age_band"],
        "victims",
        "Víctimas por sexo y franja de edad",
        "Victims by sex and age band",
    ),
    (
        ["technology"],
        "cases",
        "Casos por categoría de tecnología usada",
        "Cases by technology category used",
    ),
    (["platform"], "cases", "Casos por plataforma", "Cases by platform"),
    (["exploitation"], "cases", "Casos por tipo de explotación", "Cases by exploitation type"),
]


def publish_demo_panels() -> Publication:
    """The demo's first publication (the public page's panels), approved by the operator."""
    specs = [
        {"by": ",".join(by), "unit": unit, "filters": [], "title": f"{es} / {en}"}
        for by, unit, es, en in PANELS
    ]
    publication = draft("Estadísticas de la demo / demo statistics", specs, None)
    # When the attack still wins, it stays a draft for a steward; the page says so.
    with contextlib.suppress(PublicationError):
        approve(publication, operator=True)
    return publication
