"""The probabilistic linkage model: Splink (Fellegi-Sunter) on DuckDB over the features.

The same model serves both modes; only the fuzzy comparisons differ:

* ``encoded`` — the record-level filter (names, birth year, sex, department) and the
  document's digits are balanced Bloom filters (DuckDB ``BIT``); similarity is the Dice
  coefficient ``2·|a∧b| / (|a|+|b|)`` computed with ``bit_count``;
* ``clear`` — the same elements as exact sets (a bitmap with one position per distinct
  element, ``_exact_bitmaps``); similarity is the Dice that the encoded filters of the two
  sets have on average over the hash functions (``expected_dice``), so both modes share
  one scale, one set of levels and one blocking, and their difference is what the
  encoding costs (session 8, docs/benchmarks/linkage.md).
Every other field is compared for equality (HMAC tokens or clear values alike).

Comparisons: the record-level filter (equal, with a term-frequency adjustment; nine levels
of its Dice corrected for the attribute elements known to differ, ``name_similarity``),
birth date (equal; day and month swapped; two of its three parts equal), document
(equal; digits' Dice), sex, nationality, department, the rare-name token (equal, with a
term-frequency adjustment; absent where the name is common) and crowding (how many records
share the pair's LSH bands: a common name in one department crowds them).

Training (documented settings, all fixed so a run is reproducible):
1. ``probability_two_random_records_match`` from two deterministic rules (same document;
   same birth date + initial and equal filters) by capture–recapture (``match_prior``:
   the pairs both rules meet tell how many each misses); when no pair meets both, their
   union with an assumed recall of 0.7, and when none meets either, one other record per
   record, 2/(n(n−1));
2. u probabilities by random sampling of 2·10⁶ pairs with a fixed seed;
3. m probabilities by two EM sessions (Splink defaults: u fixed, up to 25 iterations,
   at most 10⁶ pairs each), blocked on the document (trains all but the document) and on
   birth date + initial (trains all but the birth date). A session with no pairs (a small
   registry) or that Splink refuses is skipped and reported. The E step runs on the
   counts of each agreement pattern, without the term-frequency adjustments (Splink's
   ``estimate_without_term_frequencies``): once per pattern instead of once per pair and
   iteration (session 7: scores moved by at most 0.0013 in probability at 300,000
   records, the same pairs kept; docs/benchmarks/linkage.md).
Pairs come from an OR of blocking rules (``_blocking_rules``): the document, the four
birth-date keys of ``encoding.blocking_keys``, the rare-name token and a shared LSH band
(an exploded array column) of a bucket that is not crowded, all but the document only for
names not far apart. ``candidate_pairs`` finds exactly those pairs from narrow tables and
Splink scores them as registered blocked pairs (a test checks the two against each other).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nanduti.linkage.encoding import Parameters, is_attribute

TOKEN_COLUMNS = ("doc", "dob", "dob_swap", "ym", "yd", "md", "sex", "nat", "dept", "rare")
BLOCK_COLUMNS = ("di", "dsi", "ds", "dd")
BLOOM_COLUMNS = ("name", "document")
BAND_COLUMN = "bands"
# Dice levels of the name comparisons, one scale for both modes (``dice``). The Dice
# coefficient of balanced filters is the share of the 2·512 positions on which they agree,
# so a name differing by d bigrams scores about 1 − 8d/512 (a little more: a differing
# bigram's positions are often set by the shared elements as well).
_NAME_LEVELS = (0.985, 0.97, 0.955, 0.94, 0.92, 0.9, 0.87, 0.84, 0.8)
NAME_LEVELS = {"encoded": _NAME_LEVELS, "clear": _NAME_LEVELS}
CROWD_LEVELS = (2, 3, 5, 10, 25)
# A band whose bucket holds more records than this is not used for blocking: at a million
# records the buckets of common names in one department grow to hundreds of namesakes, and
# their pairs, quadratic in the bucket, carry little evidence (the crowding comparison
# already weighs them down). Chosen on the tuning seed (docs/benchmarks/linkage.md).
BAND_BUCKET_CAP = 10
DOCUMENT_LEVEL = {"encoded": 0.89, "clear": 0.89}
# The encoding the clear mode's similarity stands in for (``expected_dice``): a bigram sets
# ``hashes`` of the ``bloom_bits`` positions, an attribute element ``attribute_hashes``.
_ENCODING = Parameters()
# An exact bitmap gives an attribute element this many positions, a bigram one, so that
# counting positions counts elements in units of a bigram's hashes.
ATTRIBUTE_POSITIONS = _ENCODING.attribute_hashes // _ENCODING.hashes
# The chance that one bigram's hashes all miss a given position of the unbalanced filter.
_MISS = (1 - 1 / _ENCODING.bloom_bits) ** _ENCODING.hashes


def expected_dice(left: str, right: str) -> str:
    """SQL of the Dice that two balanced filters of the exact sets ``left`` and ``right``
    (``BIT`` bitmaps, ``_exact_bitmaps``) have on average over the encoding's hash
    functions. A position of the unbalanced filter differs when the elements of one set
    only set it and the other set's elements miss it: with ``c`` shared elements and
    ``a``, ``b`` elements of one side only (in units of a bigram's hashes), a share
    ``q^c · ((1 − q^a)·q^b + (1 − q^b)·q^a)`` of the positions, ``q`` the chance that a
    bigram misses a position; the balanced filters' Dice is one minus that share. Exact
    sets have no hash collisions to blur them, so this is the similarity the encoded mode
    estimates, computed without its noise."""
    shared = f"bit_count({left} & {right})"
    a = f"(bit_count({left}) - {shared})"
    b = f"(bit_count({right}) - {shared})"
    q = repr(_MISS)
    return f"(1 - pow({q}, {shared}) * (pow({q}, {a}) + pow({q}, {b}) - 2 * pow({q}, {a} + {b})))"


def dice(mode: str, column: str, left: str = "", right: str = "") -> str:
    """SQL of the Dice of a filter (or, clear, of the filters of an exact set:
    ``expected_dice``) ``column`` between the rows aliased ``left`` and ``right``, or,
    without aliases, of Splink's ``_l``/``_r`` pair. Both are compared as their ``BIT``
    copy (``_load_features``): DuckDB's ``bit_count`` needs BIT, but comparing two BIT
    values for equality cost 4 µs a pair (session 6's profile), so equality and term
    frequencies read the raw bytes."""
    c = f"{column}_bits"
    one, other = (f"{left}.{c}", f"{right}.{c}") if left else (f"{c}_l", f"{c}_r")
    if mode == "clear":
        return expected_dice(one, other)
    return f"bit_count({one} & {other}) * 2.0 / (bit_count({one}) + bit_count({other}))"


# The record-level filter holds the birth year, sex and department besides the names, so
# its Dice falls when they differ even if the names are equal: an attribute element that
# one filter holds and the other lacks lowers the Dice by about this much (measured over
# 2,000 generator records of seed 99: 0.039 ± 0.006 for two balanced filters with
# 32-position attributes in 512 bits; the clear mode's ``expected_dice`` is on the same
# scale). Those attributes have comparisons of their own, so the name levels add it back
# for each element known to differ — otherwise a record without a birth date, or a moved
# department, counts twice against a pair.
ATTRIBUTE_DICE = {"encoded": 0.039, "clear": 0.039}


def _elements_apart(column: str) -> str:
    """How many attribute elements one of the pair's filters holds and the other lacks:
    0 (equal or both unknown), 1 (known on one side) or 2 (known on both, different)."""
    return (
        f"(CASE WHEN {column}_l IS NULL AND {column}_r IS NULL THEN 0 "
        f"WHEN {column}_l IS NULL OR {column}_r IS NULL THEN 1 "
        f"WHEN {column}_l <> {column}_r THEN 2 ELSE 0 END)"
    )


# The year element differs when only the year does (day and month agree, in either order);
# a pair whose dates differ in more than the year gets no correction.
YEAR_APART = (
    "(CASE WHEN dob_l IS NULL AND dob_r IS NULL THEN 0 "
    "WHEN dob_l IS NULL OR dob_r IS NULL THEN 1 "
    "WHEN dob_l <> dob_r AND md_l = md_r THEN 2 ELSE 0 END)"
)


def name_similarity(mode: str) -> str:
    """SQL of the names' similarity: the Dice of the record-level filters, corrected for
    the attribute elements known to differ (``ATTRIBUTE_DICE``)."""
    names = dice(mode, "name")
    apart = " + ".join((YEAR_APART, _elements_apart("sex"), _elements_apart("dept")))
    return f"({names} + {ATTRIBUTE_DICE[mode]} * ({apart}))"


U_SAMPLE_PAIRS = 2e6
EM_MAX_PAIRS = 1e6
# EM needs blocked pairs that are mostly matches; each session leaves the comparison it
# blocks on untrained, so two sessions train everything.
EM_RULES = ("l.doc = r.doc", "l.di = r.di AND l.dob = r.dob")
SEED = 20261207
# The 4 GiB bar at a million records leaves DuckDB this much beside Python's Arrow columns
# (docs/benchmarks/linkage.md, size and speed).
DUCKDB_MEMORY = "2GB"


@dataclass(frozen=True, slots=True)
class Scored:
    """Scored candidate pairs (record indexes) with the comparison levels behind them."""

    left: pa.Array
    right: pa.Array
    weight: pa.Array
    probability: pa.Array
    name_dice: pa.Array  # Dice of the record-level filters
    table: pa.Table
    untrained: tuple[str, ...] = ()  # EM sessions skipped for want of pairs
    stages: dict[str, tuple[float, float]] = field(default_factory=dict)
    prior: float = 0.0  # the probability that two random records match (``match_prior``)


@contextmanager
def timed(stages: dict[str, tuple[float, float]], name: str):
    """Adds the wall and CPU seconds (every thread of the process, DuckDB's included) of
    the ``with`` block to ``stages[name]``: the benchmarks print them stage by stage."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        before = stages.get(name, (0.0, 0.0))
        stages[name] = (
            before[0] + time.perf_counter() - wall,
            before[1] + time.process_time() - cpu,
        )


def features_table(rows: list[dict], mode: str) -> pa.Table:
    """Arrow table of the model's inputs; "" becomes NULL (missing, not a value)."""
    columns: dict[str, list] = {"unique_id": list(range(len(rows)))}
    for name in (*TOKEN_COLUMNS, *BLOCK_COLUMNS):
        columns[name] = [r[name] or None for r in rows]
    columns[BAND_COLUMN] = [r[BAND_COLUMN] or None for r in rows]
    for name in BLOOM_COLUMNS:
        if mode == "encoded":
            columns[name] = [r[name] or None for r in rows]
        else:
            columns[name] = [sorted(r[name]) or None for r in rows]
    if mode == "encoded":  # raw HMAC tokens and filters
        return pa.table(columns, schema=_schema(pa.binary(), pa.binary()))
    return pa.table(columns, schema=_schema(pa.string(), pa.list_(pa.string())))


def _schema(token_type, name_type) -> pa.Schema:
    fields = [pa.field("unique_id", pa.int64())]
    fields += [pa.field(c, token_type) for c in (*TOKEN_COLUMNS, *BLOCK_COLUMNS)]
    fields.append(pa.field(BAND_COLUMN, pa.list_(pa.binary())))
    return pa.schema([*fields, *(pa.field(c, name_type) for c in BLOOM_COLUMNS)])


def _settings(mode: str):
    from splink import SettingsCreator
    from splink import comparison_level_library as cll
    from splink import comparison_library as cl

    names = name_similarity(mode)

    # Equal filters weigh by how common they are (term-frequency adjustment): two records
    # of a rare name say more than two of "María González".
    # The null level reads the similarity so that DuckDB computes it once per pair: it
    # shares a subexpression between a CASE's conditions only when the first condition
    # holds it, and otherwise computed it again for each of the nine levels (session 6:
    # 14 s instead of 2 s for Splink's 2·10⁶ u pairs at 100,000 records). The Dice of two
    # filters is NULL only when one is missing (filters are never empty), so the level
    # is Splink's null level unchanged.
    name = [
        cll.CustomLevel(
            f"{names} IS NULL OR name_l IS NULL OR name_r IS NULL", "name missing"
        ).configure(is_null_level=True),
        cll.ExactMatchLevel("name", term_frequency_adjustments=True),
        *(
            cll.CustomLevel(f"{names} >= {t}", label_for_charts=f"Dice ≥ {t}")
            for t in NAME_LEVELS[mode]
        ),
    ]
    document = [
        cll.NullLevel("doc"),
        cll.ExactMatchLevel("doc"),
        cll.CustomLevel(f"{dice(mode, 'document')} >= {DOCUMENT_LEVEL[mode]}", "a digit or two"),
    ]
    birth = [
        cll.NullLevel("dob"),
        cll.ExactMatchLevel("dob"),
        cll.CustomLevel("dob_swap_l = dob_swap_r", label_for_charts="day/month swapped"),
        cll.CustomLevel(
            "ym_l = ym_r OR yd_l = yd_r OR md_l = md_r", label_for_charts="two of three parts"
        ),
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.CustomComparison([*name, cll.ElseLevel()], output_column_name="name"),
            cl.CustomComparison([*birth, cll.ElseLevel()], output_column_name="dob"),
            cl.CustomComparison([*document, cll.ElseLevel()], output_column_name="doc"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nat"),
            cl.ExactMatch("dept"),
            # The rare-name token exists only where few records share it; an equal one
            # weighs by how few (term-frequency adjustment).
            cl.ExactMatch("rare").configure(term_frequency_adjustments=True),
            cl.CustomComparison(
                [
                    cll.NullLevel("crowd"),
                    *(
                        cll.CustomLevel(f"greatest(crowd_l, crowd_r) <= {k}", f"≤ {k} per band")
                        for k in CROWD_LEVELS
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="crowd",
            ),
        ],
        blocking_rules_to_generate_predictions=_blocking_rules(mode),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        max_iterations=25,
    )


# Both birth dates known and not one part of them shared, nor equal with day and month
# swapped: a band's pair of namesakes born in other years, never the same person in the
# generator unless two of its corruptions meet (docs/benchmarks/linkage.md).
DATES_APART = (
    "(l.dob IS NOT NULL AND r.dob IS NOT NULL AND l.dob_swap <> r.dob_swap "
    "AND l.ym <> r.ym AND l.yd <> r.yd AND l.md <> r.md)"
)


def _near(mode: str) -> str:
    """The record-level filters of rows ``l`` and ``r`` not further apart than the name
    comparison's lowest level (or one of them missing)."""
    return (
        f"(l.name IS NULL OR r.name IS NULL OR "
        f"{dice(mode, 'name', 'l', 'r')} >= {NAME_LEVELS[mode][-1]})"
    )


def _blocking_rules(mode: str) -> list:
    """Which pairs are compared: the same document; or a birth-date key, the rare-name
    token (``encoding.rare_name``), or a shared LSH
    band of a bucket of at most ``BAND_BUCKET_CAP`` records whose birth dates are not
    ``DATES_APART`` — either only when the record-level filters are not further apart than
    the name comparison's lowest level. At a million records a birth date and an initial
    are shared by many strangers: of the 10.6 M pairs the four birth-date keys meet (tuning
    seed), 9.3 M have names below that level, and they hold 289 of the 466,101 true pairs
    the keys meet (docs/benchmarks/linkage.md)."""
    from splink import block_on
    from splink.blocking_rule_library import CustomRule

    near = _near(mode)
    return [
        block_on("doc"),
        *(CustomRule(f"l.{c} = r.{c} AND {near}") for c in (*BLOCK_COLUMNS, "rare")),
        CustomRule(
            f"l.{BAND_COLUMN} = r.{BAND_COLUMN} AND {near} AND NOT {DATES_APART}",
            arrays_to_explode=[BAND_COLUMN],
        ),
    ]


# The deterministic rules behind the prior: pairs that meet either are almost surely one
# person, and each misses many (the document is recorded for a minority of records; a
# name or a date written differently escapes the second).
PRIOR_RULES = ("l.doc = r.doc", "l.di = r.di AND l.name = r.name")


def match_prior(con: duckdb.DuckDBPyConnection, rows: int) -> float | None:
    """The probability that two random records of ``features`` are one person, from how
    many pairs each of the two ``PRIOR_RULES`` meets and how many both meet: capture–
    recapture (Chapman's form of the Lincoln–Petersen estimator) with the two rules as the
    two "captures" of the matching pairs, M ≈ (n₁+1)(n₂+1)/(n₁₂+1) − 1, over all
    n(n−1)/2 pairs. None when no pair meets both rules (the estimate would be unbounded).

    Until session 8 the prior was Splink's count of the rules' union divided by an assumed
    recall of 0.7; the rules' recall is in fact about 0.37 on the generator's records (the
    document is recorded for 30 % of them), so the prior was about half the true share of
    matching pairs at every size (10,000 to 300,000 records), and every pair's match
    probability too low by ~1 bit — the pairs of a record without birth date and its twin
    sat just below the threshold
    (docs/benchmarks/linkage.md, session 8). The estimate assumes that whether a pair of
    one person has the same document recorded does not depend on whether its birth dates
    and names were written identically; where careful registries do both, the two rules
    overlap more and the prior falls back towards the old, lower one."""
    document, both = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE l.di = r.di AND l.name = r.name) "
        "FROM features l JOIN features r ON l.doc = r.doc AND l.unique_id < r.unique_id"
    ).fetchall()[0]
    (names,) = con.execute(
        "SELECT count(*) FROM features l JOIN features r "
        "ON l.di = r.di AND l.name = r.name AND l.unique_id < r.unique_id"
    ).fetchall()[0]
    if not both:
        return None
    matches = (document + 1) * (names + 1) / (both + 1) - 1
    # A handful of records where most pairs match: a probability, not a certainty.
    return min(matches / (rows * (rows - 1) / 2), 0.5)


def _duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's memory bound: without one it takes up to 80 % of the machine's memory;
    with one it spills to a temporary directory of its own (removed when it closes)."""
    spill = Path(tempfile.gettempdir()) / f"nanduti-linkage-{os.getpid()}-{uuid.uuid4().hex}"
    return {"memory_limit": DUCKDB_MEMORY, "temp_directory": str(spill)}


def score(table: pa.Table, mode: str, floor: float = 0.2, threads: int | None = None) -> Scored:
    """Trains the model on ``table`` and scores every blocked pair; keeps pairs with a
    match probability of at least ``floor`` (the rest can never link or need review)."""
    from splink import DuckDBAPI, Linker, block_on
    from splink.internals.exceptions import EMTrainingException

    stages: dict[str, tuple[float, float]] = {}
    with timed(stages, "crowding + kept bands"):
        con = features_connection(table, mode, threads)
    rows = table.num_rows
    # DuckDB holds its own copy now; when the caller kept no reference (pipeline.link_table
    # does not), the Arrow table is freed here rather than after the run.
    del table
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("features"), _settings(mode), log_level=logging.ERROR)
    training = linker.training
    settings_obj = linker._settings_obj
    with timed(stages, "prior (deterministic rules)"):
        prior = match_prior(con, rows)
        if prior is None:
            # The two rules found no pair in common: Splink's estimate from their union
            # with an assumed recall (sessions 1–7's only estimate).
            training.estimate_probability_two_random_records_match(
                [block_on("doc"), PRIOR_RULES[1]], recall=0.7
            )
        else:
            settings_obj._probability_two_random_records_match = prior
    if not settings_obj._probability_two_random_records_match:
        # No pair met the rules (a small registry): assume each record has, on average,
        # one other record of the same person among all the others.
        settings_obj._probability_two_random_records_match = 2 / max(rows * (rows - 1), 2)
    with timed(stages, "u (random pairs)"):
        training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
    skipped = []
    for rule in EM_RULES:
        try:
            with timed(stages, f"EM {rule}"):
                # The E step on the counts of each agreement pattern (module docstring).
                training.estimate_parameters_using_expectation_maximisation(
                    rule, max_pairs=EM_MAX_PAIRS, estimate_without_term_frequencies=True
                )
        except (EMTrainingException, ValueError):
            # A small registry may have no pair for a rule, or no match at some level of a
            # comparison (Splink refuses an m probability of 0: ValueError); the session's
            # m values stay as they were, and the run says which sessions were skipped.
            skipped.append(rule)
    with timed(stages, "block (candidate pairs)"):
        candidate_pairs(con, mode)
        linker.table_management.register_blocked_pairs_for_predict(
            db_api.register("candidates", table_name="candidates")
        )
    with timed(stages, "predict (score)"):
        predictions = linker.inference.predict(threshold_match_probability=floor)
    with timed(stages, "pairs to Arrow"):
        result = con.sql(
            f"""
            SELECT p.unique_id_l AS l, p.unique_id_r AS r, p.match_weight,
                   p.match_probability, {dice(mode, "name", "a", "b")} AS name_dice
            FROM {predictions.physical_name} p
            JOIN features a ON a.unique_id = p.unique_id_l
            JOIN features b ON b.unique_id = p.unique_id_r
            ORDER BY l, r
            """
        ).to_arrow_table()
    con.close()
    return Scored(
        result["l"],
        result["r"],
        result["match_weight"],
        result["match_probability"],
        result["name_dice"],
        result,
        tuple(skipped),
        stages,
        prior=settings_obj._probability_two_random_records_match,
    )


def features_connection(
    table: pa.Table, mode: str, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (memory bound: ``_duckdb_config``) holding ``table`` as the
    table ``features`` (``_load_features``)."""
    con = duckdb.connect(config=_duckdb_config())
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    _load_features(con, table, mode)
    return con


def _load_features(con: duckdb.DuckDBPyConnection, table: pa.Table, mode: str) -> None:
    """DuckDB's table ``features``: ``table`` with the filters (clear: the exact bitmaps of
    the element sets, ``_exact_bitmaps``) as ``BIT``, each record's crowding and, for
    blocking, only its bands of buckets that are not crowded (``_crowding``; the bands
    become integer band numbers)."""
    bands, crowd = _crowding(table[BAND_COLUMN])
    table = table.set_column(table.schema.get_field_index(BAND_COLUMN), BAND_COLUMN, bands)
    if mode == "clear":
        for c in BLOOM_COLUMNS:
            index = table.schema.get_field_index(c)
            table = table.set_column(index, c, _exact_bitmaps(table[c]))
    con.register("features_arrow", table)
    con.register("crowd_arrow", pa.table({"crowd": crowd}))
    bits = ", ".join(f"CAST(f.{c} AS BIT) AS {c}_bits" for c in BLOOM_COLUMNS)
    # The raw name for equality and term frequencies, BIT copies for Dice.
    columns = f"f.* EXCLUDE (document), {bits}"
    # A positional join: the crowding is in the rows' order (no key to hash).
    con.execute(
        f"CREATE TABLE features AS SELECT {columns}, c.crowd "
        "FROM features_arrow f POSITIONAL JOIN crowd_arrow c"
    )
    con.unregister("features_arrow")
    con.unregister("crowd_arrow")


def _exact_bitmaps(column: pa.ChunkedArray | pa.Array, rows: int = 1 << 16) -> pa.Array:
    """The clear mode's element sets (lists of strings) as exact bitmaps (binary, one width
    for all): one position for each distinct element of the column, ``ATTRIBUTE_POSITIONS``
    for an attribute element (``encoding.is_attribute``), so a bitmap's count of ones is
    its set's size in units of a bigram's hashes (``expected_dice``). Unlike a Bloom
    filter no two elements share a position: two bitmaps agree exactly where the sets do.
    DuckDB compares them with ``bit_count`` as fast as the encoded filters, where a list
    intersection of strings took 5–7 µs a pair. Made ``rows`` records at a time, so the
    working arrays stay small at a million records."""
    lists = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    elements = pc.unique(lists.values.slice(offsets[0], offsets[-1] - offsets[0]))
    size = np.array([ATTRIBUTE_POSITIONS if is_attribute(e) else 1 for e in elements.to_pylist()])
    first = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    width = max(1, -(-int(first[-1]) // 8))  # bytes
    packed = np.zeros((len(lists), width), dtype=np.uint8)
    for start in range(0, len(lists), rows):
        part = lists.slice(start, rows)
        code = np.asarray(pc.index_in(part.flatten(), value_set=elements), dtype=np.int64)
        # Each element's positions (an attribute's several), and the row they belong to.
        repeats = size[code]
        ends = np.cumsum(repeats)
        position = np.repeat(first[code] - ends + repeats, repeats) + np.arange(
            ends[-1] if len(ends) else 0
        )
        row = np.repeat(
            np.repeat(np.arange(len(part)), pc.list_value_length(part).fill_null(0)), repeats
        )
        bits = np.zeros((len(part), 8 * width), dtype=bool)
        bits[row, position] = True
        packed[start : start + len(part)] = np.packbits(bits, axis=1)
    flat = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(lists), [None, pa.py_buffer(packed.tobytes())]
    )
    return pc.if_else(lists.is_null(), pa.scalar(None, pa.binary()), flat.cast(pa.binary()))


def _crowding(column: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, pa.Array]:
    """Each record's bands kept for blocking, as integers, and its crowding.

    How crowded a record's neighbourhood is: the median, over its LSH bands, of how many
    records share the band. Two records with a common name and no birth date to tell them
    apart sit in crowded bands; a rare name's do not. This stands in for the
    term-frequency adjustment that equal names no longer allow (a record-level filter is
    rarely equal when one record lacks a birth date), and is computed from the encodings
    themselves, so it tells an attacker nothing the file does not. A record keeps for
    blocking only its bands whose bucket holds at most ``BAND_BUCKET_CAP`` records; the
    crowding still counts them all. A record without bands (NULL or empty) has no
    crowding (NULL); a NULL band list stays NULL.

    Each band key becomes an integer (``_band_numbers``: equal keys, equal numbers), so
    the counting is one sort, the median a sort of each record's row of counts, and the
    band self-join of ``candidate_pairs`` joins integers, not blobs (session 7, linkband:
    the same results as the earlier SQL ``GROUP BY`` and ``median``)."""
    lists = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = np.asarray(lists.offsets, dtype=np.int64)
    values = lists.values.slice(offsets[0], offsets[-1] - offsets[0])
    offsets -= offsets[0]
    keys = _band_numbers(values)
    # How many records share each band: its run's length once the keys are sorted.
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    runs = np.diff(np.append(starts, len(ordered)))
    shared = np.empty_like(runs, shape=len(keys))
    shared[order] = np.repeat(runs, runs)
    lengths = np.diff(offsets)
    crowd = np.zeros(len(lengths))
    for length in np.unique(lengths[lengths > 0]):
        rows = np.flatnonzero(lengths == length)
        counts = shared[offsets[rows, None] + np.arange(length)]
        # numpy's median of an even count is the mean of the middle two, as DuckDB's.
        crowd[rows] = np.median(counts, axis=1)
    kept = shared <= BAND_BUCKET_CAP
    before = np.concatenate([[0], np.cumsum(kept)])
    bands = pa.ListArray.from_arrays(
        pa.array(before[offsets].astype(np.int32)),
        pa.array(keys[kept]),
        mask=lists.is_null(),
    )
    return bands, pa.array(crowd, mask=lengths == 0)


def _band_numbers(values: pa.Array) -> np.ndarray:
    """The band keys ``values`` (binary) as int64: the 8 bytes of each key read as one
    number when every key has 8 bytes (two bytes of band number and 48 bits, the default
    ``Parameters``), else the key's number in Arrow's hash dictionary of the keys."""
    if len(values) and pc.all(pc.equal(pc.binary_length(values), 8)).as_py():
        offsets = values.buffers()[1]
        start = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=4 * values.offset)[0])
        data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[start : start + 8 * len(values)]
        return data.view(np.int64)
    return np.asarray(pc.dictionary_encode(values).indices, dtype=np.int64)


def candidate_pairs(con: duckdb.DuckDBPyConnection, mode: str) -> None:
    """DuckDB's table ``candidates`` (Splink's blocked-pairs layout: ``match_key``,
    ``join_key_l``, ``join_key_r``): exactly the pairs ``_blocking_rules`` block — a pair
    any rule meets — found from narrow tables instead of by Splink's per-rule joins.

    Splink blocks on the LSH bands by copying every column a rule reads (both filters,
    the tokens) once per band before the join, and evaluates each rule's conditions, and
    the negation of every earlier rule's, on every joined row: at a million records that
    was most of the link stage's time (docs/benchmarks/linkage.md, session 6). Here each
    rule joins only record numbers and its key; the pairs several rules meet are merged
    first, and the name and date conditions are computed once per distinct pair. ``how``
    says which conditions a pair still needs: 2 none (same document), 1 names near (a
    birth-date key or the rare-name token), 0 names near and dates not apart (a band);
    each rule's conditions include the next one's, so a pair needs only the weakest
    conditions of the rules that met it (its largest ``how``)."""
    joins = [
        f"SELECT l.unique_id AS l, r.unique_id AS r, {how} AS how "
        f"FROM features l JOIN features r ON l.{c} = r.{c} AND l.unique_id < r.unique_id"
        for c, how in (("doc", 2), *((c, 1) for c in (*BLOCK_COLUMNS, "rare")))
    ]
    joins.append(
        "SELECT l.id AS l, r.id AS r, 0 AS how FROM banded l JOIN banded r "
        "ON l.band = r.band AND l.id < r.id"
    )
    union = "\nUNION ALL\n".join(joins)
    con.execute(
        f"""
        CREATE TABLE candidates AS
        WITH banded AS (SELECT unique_id AS id, unnest({BAND_COLUMN}) AS band FROM features),
        found AS ({union}),
        merged AS (SELECT l, r, max(how) AS how FROM found GROUP BY l, r)
        SELECT '0' AS match_key, m.l AS join_key_l, m.r AS join_key_r
        FROM merged m
        JOIN features l ON l.unique_id = m.l
        JOIN features r ON r.unique_id = m.r
        WHERE m.how = 2 OR ({_near(mode)} AND (m.how = 1 OR NOT {DATES_APART}))
        """
    )
