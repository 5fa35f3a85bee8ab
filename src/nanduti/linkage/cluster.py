"""Persons from scored pairs: connected components with a guard against chaining.

Plain connected components at one threshold chain: A–B and B–C above it put A and C
together even when A and C look nothing alike, and a few such bridges can glue hundreds
of records into one "person". The guard: a component with more than ``max_size`` records
is split again with only its stronger links (the threshold raised by ``step`` in match
weight, i.e. the odds multiplied by 2**step), until every part is small enough or the
links run out — then what remains is kept apart, record by record. Pure and deterministic:
persons are numbered by their smallest record index.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def clusters(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    threshold: float,
    max_size: int = 12,
    step: float = 2.0,
) -> tuple[np.ndarray, int]:
    """Person number (0…M-1) of each of ``n`` records, and how many components were split.

    ``left``/``right`` are record indexes of scored pairs, ``weight`` their match weights
    (log2 Bayes factors); pairs at or above ``threshold`` link.
    """
    keep = weight >= threshold
    left, right, weight = left[keep], right[keep], weight[keep]
    labels = _components(n, left, right)
    split = 0
    while True:
        sizes = np.bincount(labels)
        big = np.flatnonzero(sizes > max_size)
        if not len(big):
            break
        split += len(big)
        in_big = np.isin(labels, big)
        # Big components are split again from their stronger links only; others stay.
        threshold += step
        strong = in_big[left] & (labels[left] == labels[right]) & (weight >= threshold)
        sub = _components(n, left[strong], right[strong])
        labels = np.where(in_big, labels.max() + 1 + sub, labels)
    return number(labels), split


def number(labels: np.ndarray) -> np.ndarray:
    """Renumbers labels 0…M-1 in order of each person's first record (deterministic)."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse]
