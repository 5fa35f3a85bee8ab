"""From identities (or already encoded features) to persons: the pure linkage pipeline.

A record with no identifier at all (no name, document or birth date) cannot be compared:
it is kept as a person of its own and counted (``no_identifier``), never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import islice

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nanduti.linkage import cluster, model
from nanduti.linkage.encoding import (
    BAND_FIELD,
    ENCODED_FIELDS,
    RARE_FIELD,
    Encoder,
    Parameters,
    clear_features,
    withhold_common_bands,
)
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
    # wall and CPU seconds of each stage of the linking (model.Scored.stages and clustering)
    stages: dict[str, tuple[float, float]] = field(default_factory=dict)

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


# Records encoded at once: only one chunk's Python objects (identities' features as dicts)
# are alive at a time; the rest are Arrow columns (a million records: docs/benchmarks/linkage.md).
CHUNK = 50_000


@dataclass(slots=True)
class Features:
    """The model's input table of the records that have an identifier (None if none), the
    input positions of those records, and how many records there were."""

    table: pa.Table | None
    known: np.ndarray
    records: int

    def take_table(self) -> pa.Table | None:
        """The table, no longer held here: once DuckDB has copied it (``model.score``) it
        can be freed — about 0.8 GiB at a million records."""
        table, self.table = self.table, None
        return table


def features_table(
    identities: Iterable[Identity], mode: str, encoder: Encoder | None, chunk: int = CHUNK
) -> Features:
    """The model's inputs, encoded ``chunk`` records at a time. Reads ``identities`` once,
    lazily: the caller may stream them."""
    if mode not in ("encoded", "clear"):
        raise ValueError(f"modo desconocido «{mode}» / unknown mode «{mode}»")
    featured: Callable[[Identity], object]
    if mode == "clear":
        featured, bands = clear_features, _clear_bands()
    elif encoder is None:
        raise ValueError("El modo cifrado necesita la clave / encoded mode needs the key")
    else:
        featured, bands = encoder.encoded, encoder
    tables: list[pa.Table] = []
    known: list[int] = []
    n = 0
    source = iter(identities)
    while batch := list(islice(source, chunk)):
        rows = []
        for position, person in enumerate(batch, n):
            if person.has_identifier:
                known.append(position)
                rows.append(featured(person))
        n += len(batch)
        if rows:
            tables.append(_chunk_table(rows, mode, bands))
    positions = np.asarray(known, dtype=np.int64)
    if not tables:
        return Features(None, positions, n)
    table = pa.concat_tables(tables)
    del tables
    # Chunks numbered their rows from 0; the model needs one number per record.
    table = table.set_column(0, "unique_id", pa.array(np.arange(table.num_rows)))
    table = rare_withheld(table)
    return Features(bands_withheld(table) if mode == "encoded" else table, positions, n)


def rare_withheld(table: pa.Table, most: int = Parameters().rare_most) -> pa.Table:
    """The table with the rare-name tokens that more than ``most`` of the records linked
    together share withheld (``encoding.suppress_common``, here on the Arrow column). An
    encoded file already withholds those its own records share (``files.write``); counted
    again over all the files, central and federated runs use the same tokens."""
    column = table.schema.get_field_index(RARE_FIELD)
    values = table.column(column)
    counts = pc.value_counts(values)
    common = counts.field("values").filter(pc.greater(counts.field("counts"), most))
    withheld = pa.scalar(None, values.type)
    kept = pc.if_else(pc.is_in(values, value_set=common.drop_null()), withheld, values)
    return table.set_column(column, RARE_FIELD, kept)


def bands_withheld(table: pa.Table, most: int = model.BAND_BUCKET_CAP) -> pa.Table:
    """The table with the LSH band values that more than ``most`` of the records linked
    together share withheld (``encoding.withhold_common_bands`` on the Arrow column's keys,
    which all have one width). The default withholds exactly the buckets the model would
    not block on (``model.BAND_BUCKET_CAP``), so no pair is lost: the central linkage
    tables then hold no band value of a crowded bucket, and files linked together are
    held to the same rule. (An encoded file withholds far more: every value that more
    than ``band_most`` of its institution's records share, ``files.write``.) Clear mode
    keeps its bands: it protects nothing, and stays the comparison the encoded mode is
    measured against."""
    index = table.schema.get_field_index(BAND_FIELD)
    lists = table.column(index).combine_chunks()
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    values = lists.values.slice(offsets[0], offsets[-1] - offsets[0])
    if not len(values):
        return table
    widths = pc.binary_length(values)
    width = pc.max(widths).as_py()
    if pc.min(widths).as_py() != width:
        raise ValueError("LSH keys of different widths in one table")
    start = int(
        np.frombuffer(values.buffers()[1], dtype=np.int32, count=1, offset=4 * values.offset)[0]
    )
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[start : start + width * len(values)]
    keys = withhold_common_bands(data.reshape(len(values), width), most)
    kept = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(values), [None, pa.py_buffer(keys.tobytes())]
    ).cast(pa.binary())
    column = pa.ListArray.from_arrays(
        pa.array((offsets - offsets[0]).astype(np.int32)), kept, mask=lists.is_null()
    )
    return table.set_column(index, BAND_FIELD, column)


@cache
def _clear_bands() -> Encoder:
    """Clear mode blocks on the same LSH bands as the encoded mode (so both compare the same
    kind of pairs), made with a fixed key that protects nothing: clear mode is for records
    that are already in the clear."""
    return Encoder(b"nanduti clear-mode LSH bands, not a secret")


def _chunk_table(rows: list, mode: str, bands: Encoder) -> pa.Table:
    """``model.features_table`` of one chunk (encoded: made column by column from
    ``Encoder.encoded``'s tuples), with the LSH keys of all its filters made in one
    vectorised call (``Encoder.band_keys``) instead of record by record."""
    filters: Sequence[bytes]
    if mode == "encoded":
        columns = dict(zip(ENCODED_FIELDS, zip(*rows, strict=True), strict=True))
        table = _encoded_table(columns, len(rows))
        filters = columns["name"]
    else:
        filters = [bands.bloom(r["name"]) for r in rows]
        for r in rows:
            r[BAND_FIELD] = None  # replaced below by the whole column at once
        table = model.features_table(rows, mode)
    has = np.array([bool(f) for f in filters])
    # Empty filters add no byte, so the joined filters are exactly the non-empty ones.
    stacked = np.frombuffer(b"".join(filters), dtype=np.uint8)
    keys = bands.band_keys(stacked.reshape(int(has.sum()), -1))
    count, width = keys.shape[1], keys.shape[2]
    values = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), count * len(keys), [None, pa.py_buffer(keys.tobytes())]
    ).cast(pa.binary())
    offsets = pa.array(np.concatenate([[0], np.cumsum(has * count)]).astype(np.int32))
    column = pa.ListArray.from_arrays(offsets, values, mask=pa.array(~has))
    return table.set_column(table.schema.get_field_index(BAND_FIELD), BAND_FIELD, column)


def _encoded_table(columns: Mapping[str, Sequence[bytes]], rows: int) -> pa.Table:
    """``model.features_table`` of encoded columns, empty values as NULL, without a Python
    dictionary per record (session 7: 10 µs a record)."""
    schema = _encoded_schema()
    arrays: list[pa.Array] = []
    for name in schema.names:
        if name == "unique_id":
            arrays.append(pa.array(np.arange(rows)))
        elif name == BAND_FIELD:
            arrays.append(pa.nulls(rows, schema.field(name).type))
        else:
            values = pa.array(columns[name], pa.binary())
            empty = pc.equal(pc.binary_length(values), 0)
            arrays.append(pc.if_else(empty, pa.scalar(None, pa.binary()), values))
    return pa.Table.from_arrays(arrays, schema=schema)


@cache
def _encoded_schema() -> pa.Schema:
    return model.features_table([], "encoded").schema


def link_features(
    features: Sequence[dict | None],
    mode: str,
    threshold: float = DEFAULT_THRESHOLD,
    max_cluster: int = MAX_CLUSTER,
    threads: int | None = None,
) -> Outcome:
    """Persons behind records given as model features (``None``: no identifier), e.g. read
    from encoded files."""
    rows = [f for f in features if f is not None]
    known = np.asarray([i for i, f in enumerate(features) if f is not None], dtype=np.int64)
    table = rare_withheld(model.features_table(rows, mode)) if rows else None
    if table is not None and mode == "encoded":
        table = bands_withheld(table)
    return link_table(Features(table, known, len(features)), mode, threshold, max_cluster, threads)


def link_identities(
    identities: Iterable[Identity],
    mode: str = "encoded",
    encoder: Encoder | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    threads: int | None = None,
) -> Outcome:
    """Persons behind normalised identities, encoded (or, in clear mode, featured) in chunks;
    ``identities`` may be a generator, read once."""
    return link_table(features_table(identities, mode, encoder), mode, threshold, threads=threads)


def link_table(
    features: Features,
    mode: str,
    threshold: float = DEFAULT_THRESHOLD,
    max_cluster: int = MAX_CLUSTER,
    threads: int | None = None,
) -> Outcome:
    """Persons of the ``features``' records; those without an identifier are persons of
    their own. Takes the table from ``features`` (see ``Features.take_table``)."""
    known, n = features.known, features.records
    person = np.arange(n)
    split = 0
    scored = None
    stages: dict[str, tuple[float, float]] = {}
    # Splink needs pairs to learn from; two records or fewer are compared by nothing.
    if features.table is not None and len(known) > 2:
        scored = model.score(features.take_table(), mode, floor=REVIEW_FLOOR, threads=threads)
        stages.update(scored.stages)
        with model.timed(stages, "cluster"):
            labels, split = cluster.clusters(
                len(known),
                scored.left.to_numpy(),
                scored.right.to_numpy(),
                scored.weight.to_numpy(),
                weight_of(threshold),
                max_size=max_cluster,
            )
            person[known] = known[_first_member(labels)]
            scored = _reindexed(scored, known)
    with model.timed(stages, "cluster"):
        numbered = cluster.number(person)
    persons = int(numbered.max()) + 1 if n else 0
    return Outcome(numbered, persons, n - len(known), split, scored, stages)


def _first_member(labels: np.ndarray) -> np.ndarray:
    """For each record, the position of the first record with its label."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return first[inverse]


def _reindexed(scored: model.Scored, index: np.ndarray) -> model.Scored:
    left = pa.array(index[scored.left.to_numpy()])
    right = pa.array(index[scored.right.to_numpy()])
    return replace(scored, left=left, right=right)
