"""Quality of a clustering against the truth: pairwise and B-cubed precision, recall, F1."""

from __future__ import annotations

from collections import Counter

import numpy as np


def _pairs(counts) -> int:
    return sum(c * (c - 1) // 2 for c in counts)


def pairwise(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Precision and recall over record pairs put in one person (all pairs, any source)."""
    both = Counter(zip(predicted.tolist(), truth.tolist(), strict=True))
    tp = _pairs(both.values())
    found = _pairs(Counter(predicted.tolist()).values())
    true = _pairs(Counter(truth.tolist()).values())
    return _prf(tp / found if found else 1.0, tp / true if true else 1.0)


def bcubed(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """B-cubed (Bagga & Baldwin 1998): per record, the share of its cluster that is truly it
    (precision) and the share of its true person that its cluster holds (recall)."""
    both = Counter(zip(predicted.tolist(), truth.tolist(), strict=True))
    size_p, size_t = Counter(predicted.tolist()), Counter(truth.tolist())
    n = len(predicted)
    precision = sum(c * c / size_p[p] for (p, _), c in both.items()) / n
    recall = sum(c * c / size_t[t] for (_, t), c in both.items()) / n
    return _prf(precision, recall)


def _prf(precision: float, recall: float) -> dict[str, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
