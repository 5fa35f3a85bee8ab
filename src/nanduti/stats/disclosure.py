"""Small-cell suppression with complementary suppression (the hypercube method).

Method (after Repsilber's hypercube method, as used by tau-ARGUS and sdcTable):

1. The table is *extended* with its margins: every dimension gets a ``Total`` category,
   so row, column and grand totals are cells like any other and obey one linear rule per
   line: the inner cells of a line add up to the line's total.
2. **Primary suppression**: every cell (inner or margin) with ``0 < n < threshold``.
   Zeros are published: a zero hides no person.
3. **Complementary suppression**: each primary cell ``p`` not yet hidden is made a corner
   of a *hypercube*: for every dimension one other category ``a_d`` (another value or the
   total) is chosen, and all ``2^N`` corners are hidden. The alternating vector on those
   corners (signs flip between two inner values and stay between a value and its total)
   changes no line total, so adding ``t`` times it to the true table gives another table
   that agrees with everything published. Among the candidate hypercubes we keep only
   those whose corners are all non-zero and that let ``t`` move both ways although an
   intruder knows every hidden cell is at least 1 (zeros are published); we choose the
   one that hides the smallest additional total, preferring those that let ``p`` reach
   the threshold (so nobody can tell it was a small cell).

Consequence (proved by ``tests/stats/test_disclosure.py`` with linear programming): no
hidden cell can be recovered exactly from the published cells and totals — every hidden
cell lies on a two-sided perturbation consistent with all published figures. Hidden
cells are all shown with the same mark, so nobody can tell primary from complementary.

When a cell has no valid hypercube (a table with almost nothing in it), every non-zero
cell of the table is hidden. Tables with multi-valued fields are not additive (a unit
counts in several values); fewer linear rules hold there, so the same patterns protect
at least as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import product

from nanduti.stats.crosstab import TOTAL, CrossTab

MARK = "—"
MAX_CANDIDATES = 4000  # hypercubes examined per primary cell in big tables


@dataclass
class Suppression:
    threshold: int
    suppressed: set[tuple] = field(default_factory=set)
    primary: set[tuple] = field(default_factory=set)
    fully_suppressed: bool = False

    def hidden(self, key: tuple) -> bool:
        return key in self.suppressed


def extended_axes(categories: list[list]) -> list[list]:
    return [list(cats) + [TOTAL] for cats in categories]


def _alternatives(axes: list[list], values: dict[tuple, int], p: tuple) -> list[list]:
    n = len(axes)
    alts = [[x for x in axis if x != p[d]] for d, axis in enumerate(axes)]
    if math.prod(len(a) for a in alts) <= MAX_CANDIDATES:
        return alts
    keep = max(2, int(MAX_CANDIDATES ** (1 / n)))

    def margin(d: int, x) -> int:
        key = tuple(x if i == d else TOTAL for i in range(n))
        return values.get(key, 0)

    out = []
    for d, a in enumerate(alts):
        inner = [x for x in a if x != TOTAL]
        # Smallest non-zero 1-D margins first: they tend to give the cheapest corners.
        inner.sort(key=lambda x: (margin(d, x) == 0, margin(d, x)))
        out.append(inner[: keep - 1] + ([TOTAL] if TOTAL in a else []))
    return out


def _best_hypercube(
    axes: list[list], values: dict[tuple, int], hidden: set, p: tuple, threshold: int
) -> list[tuple] | None:
    n = len(axes)
    best, best_score = None, None
    for alt in product(*_alternatives(axes, values, p)):
        corners, plus_min, minus_min, cost, ok = [], math.inf, math.inf, 0, True
        for choice in product((0, 1), repeat=n):
            key = tuple(alt[d] if c else p[d] for d, c in enumerate(choice))
            v = values.get(key, 0)
            if v <= 0:
                ok = False
                break
            sign = 1
            for d, c in enumerate(choice):
                if c and TOTAL not in (p[d], alt[d]):
                    sign = -sign
            if sign > 0:
                plus_min = min(plus_min, v)
            else:
                minus_min = min(minus_min, v)
            if key not in hidden:
                cost += v
            corners.append(key)
        # Every hidden cell is known to be >= 1: t must be able to move at least one way.
        if not ok or (plus_min - 1) + (minus_min - 1) < 1:
            continue
        reaches = values.get(p, 0) + minus_min - 1 >= threshold
        score = (not reaches, cost, len([c for c in corners if c not in hidden]))
        if best_score is None or score < best_score:
            best, best_score = corners, score
    return best


def protect(categories: list[list], values: dict[tuple, int], threshold: int) -> Suppression:
    """Suppression pattern for an extended table (``values`` holds cells and margins)."""
    axes = extended_axes(categories)
    keys = list(product(*axes))
    result = Suppression(threshold=threshold)
    result.primary = {k for k in keys if 0 < values.get(k, 0) < threshold}
    hidden: set[tuple] = set()
    # Inner cells first, smallest first: their hypercubes often cover the small margins too.
    order = sorted(result.primary, key=lambda k: (k.count(TOTAL), values.get(k, 0), str(k)))
    for p in order:
        if p in hidden:
            continue
        cube = _best_hypercube(axes, values, hidden, p, threshold)
        if cube is None:
            result.fully_suppressed = True
            hidden = {k for k in keys if values.get(k, 0) > 0}
            break
        hidden.update(cube)
    result.suppressed = hidden
    return result


def table_values(table: CrossTab) -> dict[tuple, int]:
    values = dict(table.cells)
    values.update(table.margins)
    return values


def suppress(table: CrossTab, threshold: int = 5) -> Suppression:
    if threshold < 1:
        raise ValueError("El umbral debe ser ≥ 1 / the threshold must be ≥ 1")
    return protect(table.categories, table_values(table), threshold)
