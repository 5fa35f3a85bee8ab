"""From identities (or already encoded features) to persons: the pure linkage pipeline.

A record with no identifier at all (no name, document or birth date) cannot be compared:
it is kept as a person of its own and counted (``no_identifier``), never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from nanduti.linkage import cluster, model
from nanduti.linkage.encoding import BAND_FIELD, Encoder, clear_features
from nanduti.linkage.normalise import Identity

# Match probability at which two records are one person (chosen on FEBRL4 and the
# Paraguayan-style benchmark, docs/benchmarks/linkage.md).
DEFAULT_THRESHOLD = 0.5
REVIEW_FLOOR = 0.2  # pairs between this and the threshold are shown to the steward
MAX_CLUSTER = 12  # more records than this in one person: split on stronger links


@dataclass(frozen=True, slots=True)
class Outcome:
    person: np.ndarray  # person number (0…persons-1) of each record, in input order
    persons: int
    no_identifier: int
    split: int  # components split by the chaining guard
    pairs: model.Scored | None  # scored pairs, indexes into the input records

    def uncertain(self, threshold: float) -> list[tuple[int, int, float, float]]:
        """(record, record, match probability, Dice of the record-level filters) of the
        pairs that may be one person but fall below the threshold."""
        if self.pairs is None:
            return []
        s = self.pairs
        rows = zip(
            s.left.to_pylist(),
            s.right.to_pylist(),
            s.probability.to_pylist(),
            s.name_dice.to_pylist(),
            strict=True,
        )
        return [r for r in rows if REVIEW_FLOOR <= r[2] < threshold]


def weight_of(probability: float) -> float:
    """Match weight (log2 odds) of a match probability."""
    return math.log2(probability / (1.0 - probability))


def features_of(
    identities: Sequence[Identity], mode: str, encoder: Encoder | None
) -> list[dict | None]:
    if mode not in ("encoded", "clear"):
        raise ValueError(f"modo desconocido «{mode}» / unknown mode «{mode}»")
    if mode == "encoded" and encoder is None:
        raise ValueError("El modo cifrado necesita la clave / encoded mode needs the key")
    if mode == "encoded":
        assert encoder is not None
        return [encoder.encode(i) if i.has_identifier else None for i in identities]
    return [_clear(i) if i.has_identifier else None for i in identities]


@cache
def _clear_bands() -> Encoder:
    """Clear mode blocks on the same LSH bands as the encoded mode (so both compare the same
    kind of pairs), made with a fixed key that protects nothing: clear mode is for records
    that are already in the clear."""
    return Encoder(b"nanduti clear-mode LSH bands, not a secret")


def _clear(person: Identity) -> dict:
    features = clear_features(person)
    encoder = _clear_bands()
    name = features["name"]
    assert isinstance(name, frozenset)
    features[BAND_FIELD] = encoder.bands(encoder.bloom(name))
    return features


def link_features(
    features: Sequence[dict | None],
    mode: str,
    threshold: float = DEFAULT_THRESHOLD,
    max_cluster: int = MAX_CLUSTER,
    threads: int | None = None,
) -> Outcome:
    """Persons behind records given as model features (``None``: no identifier)."""
    n = len(features)
    known = [i for i, f in enumerate(features) if f is not None]
    person = np.arange(n)
    split = 0
    scored = None
    # Splink needs pairs to learn from; two records or fewer are compared by nothing.
    if len(known) > 2:
        table = model.features_table([f for f in features if f is not None], mode)
        scored = model.score(table, mode, floor=REVIEW_FLOOR, threads=threads)
        labels, split = cluster.clusters(
            len(known),
            scored.left.to_numpy(),
            scored.right.to_numpy(),
            scored.weight.to_numpy(),
            weight_of(threshold),
            max_size=max_cluster,
        )
        index = np.asarray(known)
        person[index] = index[_first_member(labels)]
        scored = _reindexed(scored, index)
    numbered = cluster.number(person)
    return Outcome(numbered, int(numbered.max()) + 1 if n else 0, n - len(known), split, scored)


def _first_member(labels: np.ndarray) -> np.ndarray:
    """For each record, the position of the first record with its label."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return first[inverse]


def _reindexed(scored: model.Scored, index: np.ndarray) -> model.Scored:
    import pyarrow as pa

    left = pa.array(index[scored.left.to_numpy()])
    right = pa.array(index[scored.right.to_numpy()])
    return model.Scored(
        left,
        right,
        scored.weight,
        scored.probability,
        scored.name_dice,
        scored.table,
        scored.untrained,
    )


def link_identities(
    identities: Sequence[Identity],
    mode: str = "encoded",
    encoder: Encoder | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    threads: int | None = None,
) -> Outcome:
    return link_features(features_of(identities, mode, encoder), mode, threshold, threads=threads)
