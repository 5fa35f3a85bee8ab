"""The intruder's attack as a tool: what a set of published tables gives back exactly.

An intruder who obtains several tables of the same units knows linear facts about the true
counts: every published figure (cell or margin) is the number of units in it, within what
the protection allows. The attack (as in tau-Argus's audit and the literature on the
cell-key method) writes the registry as *atoms* — the distinct combinations of values
that units carry over all the tables' fields, a multi-valued field's value being the *set*
of values a unit has — with one unknown count per atom, and solves, for each protected
figure, min and max of its count over every table of atom counts that agrees with all
published figures (linear programs, HiGHS through ``scipy.optimize.milp``; integer
programs when the linear bounds are close). A figure whose minimum and maximum are equal
is **recovered exactly**.

What a published figure tells the intruder:

* exact count (``none``, or a published cell of a suppressed table): equality;
* suppressed (``—``): at least 1 (zeros are published);
* cell-key: within ±D of the published value, at least 1 when published non-zero (zeros
  are never perturbed), and ``<5`` means 1 … 4 + D.

Protected figures: hidden cells of suppressed tables, true counts of 1–4 in perturbed
ones. The intruder here is stronger than a real one: atoms that hold no unit are not
offered as unknowns, so the audit errs on the side of finding recoveries.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import product

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from nanduti.stats import cellkey, crosstab, disclosure
from nanduti.stats import fields as F
from nanduti.stats.crosstab import TOTAL


@dataclass
class Obtained:
    """One table as an intruder holds it: the figures shown, keyed like a CrossTab."""

    fields: list[F.Field]
    unit: str
    filters: list = field(default_factory=list)
    mode: str = "cellkey"  # cellkey, suppress or none
    shown: dict[tuple, object] = field(default_factory=dict)  # int, "—" or "<5"
    label: str = ""

    @property
    def group(self) -> tuple:
        return (self.unit, tuple((f.name, str(v)) for f, v in self.filters))


@dataclass
class Recovery:
    table: str
    cell: dict
    true: int
    low: int
    high: int


@dataclass
class AuditReport:
    tables: int = 0
    figures: int = 0
    protected: int = 0
    exact: list[Recovery] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "tables": self.tables,
            "figures": self.figures,
            "protected": self.protected,
            "exact_recoveries": len(self.exact),
            "recovered": [r.__dict__ for r in self.exact],
            "seconds": round(self.seconds, 2),
            "notes": self.notes,
        }


def from_result(result, label: str = "") -> Obtained:
    """What a published :class:`nanduti.stats.publish.Result` shows, figure by figure."""
    t = result.table
    axes = disclosure.extended_axes(t.categories)
    shown = {k: result.shown(k) for k in product(*axes)}
    return Obtained(
        t.fields,
        t.unit,
        list(t.filters),
        result.mode,
        shown,
        label or " × ".join(f.name for f in t.fields),
    )


def _unit_atoms(fields_: list[F.Field], unit: str, filters, scope=None) -> Counter:
    """Units per atom: per field, the frozenset of values a unit carries."""
    qs = crosstab.base_queryset(unit, filters, scope)
    per_unit: dict[int, list[set]] = defaultdict(lambda: [set() for _ in fields_])
    for i, f in enumerate(fields_):
        read, (path,) = crosstab.keys_as_text(qs, [crosstab._path_for_unit(f, unit)])
        for pk, value in read.order_by().values_list("pk", path).distinct().iterator():
            per_unit[pk][i].add(F.NOT_RECORDED if value is None else value)
    return Counter(
        tuple(frozenset(s) or frozenset({F.NOT_RECORDED}) for s in v) for v in per_unit.values()
    )


def _interval(mode: str, value) -> tuple[float, float]:
    d = cellkey.MAX_PERTURBATION
    if value == disclosure.MARK:
        return 1, math.inf
    if mode == "cellkey":
        if value == cellkey.SMALL_MARK:
            return 1, cellkey.SMALL - 1 + d
        return (max(1, value - d) if value else 0), value + d
    return value, value


def _protected(mode: str, value, true: int) -> bool:
    if mode == "cellkey":
        return 0 < true < cellkey.SMALL
    return value == disclosure.MARK


def audit(tables: list[Obtained], scope=None) -> AuditReport:
    """Attack every group of tables over the same units and filters; see the module doc."""
    import time

    started = time.perf_counter()
    report = AuditReport(tables=len(tables))
    groups: dict[tuple, list[Obtained]] = defaultdict(list)
    for t in tables:
        if t.mode in ("cellkey", "suppress", "none"):
            groups[t.group].append(t)
        else:
            report.notes.append(f"{t.label}: mode {t.mode} not audited (noise, no linear facts)")
    for group in groups.values():
        _attack_group(group, scope, report)
    report.seconds = time.perf_counter() - started
    return report


def _attack_group(tables: list[Obtained], scope, report: AuditReport) -> None:
    names: list[str] = []
    for t in tables:
        names += [f.name for f in t.fields if f.name not in names]
    union = [F.FIELDS[n] for n in names]
    atoms_counter = _unit_atoms(union, tables[0].unit, tables[0].filters, scope)
    atoms = list(atoms_counter)
    truth = np.array([atoms_counter[a] for a in atoms], dtype=float)
    rows, lows, highs = [], [], []
    # cell (its field → value pairs) → (table label, key, fields, atoms, true count)
    targets: dict[frozenset, tuple] = {}
    for t in tables:
        pos = [names.index(f.name) for f in t.fields]
        members: dict[tuple, list[int]] = defaultdict(list)
        for j, atom in enumerate(atoms):
            for key in product(*[(*atom[p], TOTAL) for p in pos]):
                members[key].append(j)
        for key, idx in members.items():  # figures over no atom say nothing
            value = t.shown.get(key, 0)
            low, high = _interval(t.mode, value)
            rows.append(idx)
            lows.append(low)
            highs.append(high)
            true = int(truth[idx].sum())
            if _protected(t.mode, value, true):
                cell = frozenset(
                    (f.name, k) for f, k in zip(t.fields, key, strict=True) if k != TOTAL
                )
                targets.setdefault(cell, (t.label, key, t.fields, idx, true))
    report.figures += len(rows)
    report.protected += len(targets)
    if not targets:
        return
    system = _system(rows, lows, highs, len(atoms))
    cleared = _screen(targets, system, len(atoms))
    for cell, (label, key, fields_, idx, true) in targets.items():
        if cell in cleared:
            continue
        low, high = _bounds(idx, true, system, len(atoms))
        if low == high:
            cell_of = {f.name: k for f, k in zip(fields_, key, strict=True) if k != TOTAL}
            report.exact.append(Recovery(label, cell_of, true, low, high))


def _system(rows: list[list[int]], lows, highs, n: int) -> LinearConstraint:
    """The published facts as one sparse system; a figure repeated in several tables (a
    shared margin) is one row with the intersection of what each copy says."""
    merged: dict[tuple, tuple[float, float]] = {}
    for idx, low, high in zip(rows, lows, highs, strict=True):
        key = tuple(sorted(idx))
        if key in merged:
            low, high = max(low, merged[key][0]), min(high, merged[key][1])
        merged[key] = (low, high)
    keys = list(merged)
    indptr = np.cumsum([0] + [len(k) for k in keys])
    indices = np.fromiter((j for k in keys for j in k), dtype=np.int64, count=int(indptr[-1]))
    matrix = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(keys), n))
    lows_ = np.array([merged[k][0] for k in keys], float)
    highs_ = np.array([merged[k][1] for k in keys], float)
    return LinearConstraint(matrix, lows_, highs_)


def _solve(objective: np.ndarray, system: LinearConstraint, n: int, integer: bool = False):
    result = milp(
        objective,
        constraints=system,
        bounds=Bounds(np.zeros(n), np.full(n, np.inf)),
        integrality=np.ones(n) if integer else None,
        options={"time_limit": 60},
    )
    return result.x if result.status == 0 else None


def _screen(targets: dict, system, n: int, rounds: int = 12) -> set:
    """Targets shown not to be recoverable by feasible tables that move them by ≥ 1
    (objectives pushing every target not yet cleared up, then down, then at random): one
    solve clears hundreds, where bounding each would take two."""
    cleared: set = set()
    rng = random.Random(0)
    for round_ in range(rounds):
        left = [c for c in targets if c not in cleared]
        if not left:
            break
        objective = np.zeros(n)
        for cell in left:
            sign = 1 if round_ % 3 == 0 else -1 if round_ % 3 == 1 else rng.choice((1, -1))
            objective[targets[cell][3]] -= sign
        x = _solve(objective, system, n)
        if x is None:
            break
        cleared |= {c for c in left if abs(x[targets[c][3]].sum() - targets[c][4]) >= 1 - 1e-6}
    return cleared


def _bounds(idx: list[int], true: int, system, n: int) -> tuple[int, int]:
    """Integer bounds of a figure: linear relaxation first, integer program when close;
    stops at the first direction that moves the figure by 1 or more."""
    objective = np.zeros(n)
    objective[idx] = 1
    found = []
    for sign in (1, -1):
        x = _solve(sign * objective, system, n)
        value = x[idx].sum() if x is not None else true
        if abs(value - true) < 2:
            x = _solve(sign * objective, system, n, integer=True)
            value = round(x[idx].sum()) if x is not None else true
        found.append(math.ceil(value - 1e-6) if sign > 0 else math.floor(value + 1e-6))
        if found[-1] != true:
            return (found[0], true) if sign > 0 else (found[0], found[1])
    return found[0], found[1]


def random_tables(
    pool: list[str], count: int, unit: str, seed: int = 0, sizes: tuple[int, ...] = (2, 3, 4)
) -> list[list[str]]:
    """``count`` distinct random field lists of 2–4 fields drawn from ``pool``."""
    rng = random.Random(seed)
    chosen: list[list[str]] = []
    seen = set()
    while len(chosen) < count:
        k = rng.choice([s for s in sizes if s <= len(pool)])
        names = sorted(rng.sample(pool, k))
        if tuple(names) not in seen:
            seen.add(tuple(names))
            chosen.append(names)
        if len(seen) >= sum(math.comb(len(pool), s) for s in sizes if s <= len(pool)):
            break
    return chosen


def audit_queries(
    queries: list[list[str]], unit: str = "cases", privacy: str = "cellkey", filters=None
) -> AuditReport:
    """Publish each field list as the given privacy mode would, then attack them together."""
    from nanduti.stats import publish

    tables = [
        from_result(publish.produce(by, unit, filters, privacy=privacy, operator=True))
        for by in queries
    ]
    return audit(tables)
