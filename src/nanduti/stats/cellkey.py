"""The cell-key method: consistent perturbation of every ad-hoc table.

After the Australian Bureau of Statistics' TableBuilder (Thompson, Broadfoot and Elazar,
"Methodology for the automatic confidentialisation of statistical outputs from remote
servers at the ABS", 2013) and the perturbation tables of Giessing (2016, "Computational
issues in the design of transition probabilities and disclosure risk estimation for
additive noise", doi:10.1007/978-3-319-45381-1_18), also used for the UK's 2021 Census:

* every case, victim and perpetrator holds a fixed random **record key**, an integer in
  ``[0, 2³¹)`` drawn by the database when the record is written
  (``nanduti.registry.fields.RecordKeyField``) and never shown;
* a cell's **cell key** is the sum of its units' record keys modulo 2³¹, divided by 2³¹
  (a number in [0, 1)); the same units give the same cell key in every table;
* the **perturbation** of a cell with true count ``n`` is read from the published
  perturbation table (:func:`ptable`) at row ``min(n, D + 1)``: the first perturbation
  ``d`` whose cumulative probability exceeds the cell key. The same cell — the same
  units — is therefore perturbed the same way whatever table it appears in, and asking
  again gives the same answer: averaging repeated queries learns nothing;
* margins are cells like any other: perturbed from their own units' keys, not summed;
* a perturbed count of 1–4 is shown as ``<5``; zero cells (no unit) stay 0.

Parameters (see :data:`MAX_PERTURBATION`, :data:`VARIANCE`): the noise is at most ±D = 5
with variance V = 1.5, the maximum-entropy distribution under those constraints, unbiased
for every count (a count of n never goes below 0). A large D with a small V means
almost all cells move by at most 2 while an intruder — who knows the table — must allow
±5 for every published figure: pinning a count by differencing needs several cells all
perturbed to their rare extremes at once. ``docs/stats_cellkey.md`` has the table and
the measured effect on accuracy.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from nanduti.registry.fields import RECORD_KEY_RANGE
from nanduti.stats.crosstab import TOTAL, CrossTab, _order

MAX_PERTURBATION = 5  # D: no published count differs from the true one by more than this
VARIANCE = 1.5  # V: variance of the perturbation of every count above D
SMALL = 5  # perturbed counts 1 … SMALL-1 are shown as "<5"
SMALL_MARK = f"<{SMALL}"


def _max_entropy(support: list[int], variance: float) -> list[float]:
    """Probabilities on ``support`` with mean 0 and the given variance, of maximum entropy
    (an exponential family p(d) ∝ exp(a·d + b·d²), solved for a and b)."""
    from scipy.optimize import root

    d = np.array(support, dtype=float)

    def probabilities(ab):
        logits = ab[0] * d + ab[1] * d**2
        w = np.exp(logits - logits.max())
        return w / w.sum()

    def moments(ab):
        p = probabilities(ab)
        return [float(p @ d), float(p @ d**2) - variance]

    solved = root(moments, x0=[0.0, -1.0 / (2 * variance)], method="hybr")
    if not solved.success or max(abs(v) for v in moments(solved.x)) > 1e-9:
        raise ValueError(f"no perturbation distribution on {support} with variance {variance}")
    return [float(v) for v in probabilities(solved.x)]


PTABLE_FILE = Path(__file__).parent / "data" / "ptable.json"


@cache
def ptable() -> dict[int, list[tuple[int, float]]]:
    """The published perturbation table (D = 5, V = 1.5): for each count row,
    (perturbation, probability). Read from the shipped ``data/ptable.json``, written by
    :func:`compute_ptable` (solving it takes a second of SciPy on every new process — on a
    loaded machine several, paid by the first cell-key page each web worker serves)."""
    rows = json.loads(PTABLE_FILE.read_text(encoding="utf-8"))["rows"]
    return {int(n): [(int(d), float(p)) for d, p in row] for n, row in rows.items()}


def compute_ptable(
    max_perturbation: int = MAX_PERTURBATION, variance: float = VARIANCE
) -> dict[int, list[tuple[int, float]]]:
    """The perturbation table from its parameters.

    Row 0 leaves zeros alone; rows 1 … D cannot go below zero, so their support is
    ``-n … D`` and their variance is the largest below V that such a support allows
    (they are still unbiased); row D+1 serves every larger count.
    """
    table: dict[int, list[tuple[int, float]]] = {0: [(0, 1.0)]}
    for n in range(1, max_perturbation + 2):
        support = list(range(-min(n, max_perturbation), max_perturbation + 1))
        target = variance
        while True:
            try:
                probs = _max_entropy(support, target)
                break
            except ValueError:
                target *= 0.9  # a support this short cannot spread that far without bias
        table[n] = list(zip(support, probs, strict=True))
    return table


def write_ptable() -> None:
    """Write the shipped table (after changing :data:`MAX_PERTURBATION` or :data:`VARIANCE`)."""
    rows = [
        f'  "{n}": {json.dumps([[d, p] for d, p in row])}' for n, row in compute_ptable().items()
    ]
    text = (
        f'{{"max_perturbation": {MAX_PERTURBATION}, "variance": {VARIANCE}, "rows": {{\n'
        + ",\n".join(rows)
        + "\n}}\n"
    )
    PTABLE_FILE.write_text(text, encoding="utf-8")


@cache
def _cumulative(row: int) -> tuple[list[float], list[int]]:
    entries = ptable()[row]
    bounds, total = [], 0.0
    for _, p in entries:
        total += p
        bounds.append(total)
    bounds[-1] = 1.0
    return bounds, [d for d, _ in entries]


def perturbation(count: int, key_sum: int) -> int:
    """The perturbation of a cell of ``count`` units whose record keys sum to ``key_sum``."""
    if count <= 0:
        return 0
    cell_key = (key_sum % RECORD_KEY_RANGE) / RECORD_KEY_RANGE
    bounds, values = _cumulative(min(count, MAX_PERTURBATION + 1))
    return values[min(bisect_right(bounds, cell_key), len(values) - 1)]


def perturbed(count: int, key_sum: int) -> int:
    return max(0, count + perturbation(count, key_sum))


def shown(value: int):
    """A perturbed count as published: 1–4 become ``<5``."""
    return SMALL_MARK if 0 < value < SMALL else value


@dataclass
class CellKeyTable:
    """A perturbed cross-tab and how many of its figures moved."""

    table: CrossTab
    changed: int = 0
    figures: int = 0
    notes: list[str] = field(default_factory=list)


def protect(source: CrossTab, cells: dict, margins: dict) -> CellKeyTable:
    """Perturb keyed counts ((count, key sum) per cell and margin) into a published table."""
    n = len(source.fields)
    new_cells = {k: perturbed(*v) for k, v in cells.items()}
    new_margins = {k: perturbed(*v) for k, v in margins.items()}
    new_margins.setdefault((TOTAL,) * n, 0)
    changed = sum(1 for k, v in (*cells.items(), *margins.items()) if perturbed(*v) != v[0])
    present = [
        {k[i] for k, v in (*new_cells.items(), *new_margins.items()) if v and k[i] != TOTAL}
        for i in range(n)
    ]
    table = CrossTab(
        fields=source.fields,
        unit=source.unit,
        filters=source.filters,
        categories=[_order(f, present[i]) for i, f in enumerate(source.fields)],
        cells={k: v for k, v in new_cells.items() if v},
        margins=new_margins,
        multi_valued=source.multi_valued,
        scope=source.scope,
        version=source.version,
    )
    return CellKeyTable(table, changed, len(cells) + len(margins))
