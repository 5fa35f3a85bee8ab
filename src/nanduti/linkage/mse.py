"""Multiple Systems Estimation: how many victims did no institution identify?

From linked records, each person is seen by a set of institutions (lists). The counts of
every observed pattern of lists (2^k − 1 cells; the cell "seen by none" is missing) are
fitted with Poisson log-linear models — main effects of every list plus a subset of the
two-list interactions (dependence between two institutions, e.g. referrals) — and the
unobserved cell is the model's intercept: exp(β₀). The model is chosen by an information
criterion (BIC by default, AIC on request); the interval is the Wald interval of β₀ on the
log scale, exp(β₀ ± 1.96·se), which is approximate (profile-likelihood intervals are
wider for sparse tables). The method of UNODC's national estimates (Netherlands, Serbia,
UK); its assumptions, printed with every estimate: the population is closed over the
period, persons are linked correctly across lists, and dependence between lists is only
what the chosen interactions describe (no three-way dependence, no unobserved
heterogeneity in how visible a person is). Fitted with statsmodels.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, combinations, product

ASSUMPTIONS = (
    "Supuestos: población cerrada en el período; personas enlazadas sin error entre listas; "
    "la dependencia entre listas es solo la de las interacciones elegidas / Assumptions: "
    "closed population over the period; persons linked without error across lists; "
    "dependence between lists only as the chosen interactions describe"
)


@dataclass(frozen=True, slots=True)
class Fit:
    interactions: tuple[tuple[int, int], ...]
    unobserved: float
    low: float
    high: float
    aic: float
    bic: float


@dataclass(frozen=True, slots=True)
class Estimate:
    lists: tuple[str, ...]
    observed: int
    chosen: Fit
    fits: list[Fit]
    criterion: str

    @property
    def total(self) -> float:
        return self.observed + self.chosen.unobserved


def overlap(memberships: Iterable[frozenset[str]], lists: Sequence[str]) -> Counter:
    """Counts of persons by pattern of lists (tuple of 0/1 in the order of ``lists``)."""
    return Counter(tuple(int(name in m) for name in lists) for m in memberships if m)


def estimate(
    memberships: Iterable[frozenset[str]], lists: Sequence[str], criterion: str = "bic"
) -> Estimate:
    import numpy as np
    import statsmodels.api as sm

    k = len(lists)
    if k < 2:
        raise ValueError(
            "La estimación necesita al menos dos listas (instituciones) / the estimate needs "
            "at least two lists (institutions)"
        )
    counts = overlap(memberships, lists)
    cells = [c for c in product((0, 1), repeat=k) if any(c)]
    y = np.array([counts.get(c, 0) for c in cells], dtype=float)
    pairs = list(combinations(range(k), 2))
    # No model may have more parameters than there are observed cells.
    subsets = chain.from_iterable(
        combinations(pairs, r) for r in range(len(pairs) + 1) if 1 + k + r <= len(cells)
    )
    fits = []
    for chosen in subsets:
        x = [[1.0, *c, *(c[a] * c[b] for a, b in chosen)] for c in cells]
        result = sm.GLM(y, np.array(x), family=sm.families.Poisson()).fit()
        b0, se = float(result.params[0]), float(result.bse[0])
        if not math.isfinite(se):
            continue
        fits.append(
            Fit(
                chosen,
                math.exp(b0),
                math.exp(b0 - 1.96 * se),
                math.exp(b0 + 1.96 * se),
                float(result.aic),
                float(result.bic_llf),
            )
        )
    if not fits:
        raise ValueError(
            "Ningún modelo se pudo ajustar (¿listas sin personas en común?) / no model could "
            "be fitted (lists with no person in common?)"
        )
    best = min(fits, key=lambda f: (getattr(f, criterion), len(f.interactions)))
    return Estimate(tuple(lists), int(y.sum()), best, fits, criterion)
