"""The clear mode compares what the encoded mode compares, without the encoding: the same
similarity scale (the expected Dice of the encodings of exact sets), hence the same levels
and the same blocking floor (session 8, docs/benchmarks/linkage.md)."""

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

from nanduti.linkage import model, pipeline
from nanduti.linkage.encoding import Encoder
from nanduti.linkage.normalise import identity

# The benchmarks' generator of Paraguayan-style records (a script, not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import linkage_records as generator  # noqa: E402

KEY = b"clave de prueba"


def _similarities(people, pairs):
    """Each mode's name and document similarity (``model.dice``) of the same pairs."""
    table = pa.table({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]})
    found = {}
    for mode in ("encoded", "clear"):
        features = pipeline.features_table(people, mode, Encoder(KEY))
        con = model.features_connection(features.table, mode)
        con.register("pairs", table)
        sql = ", ".join(model.dice(mode, c, "l", "r") for c in ("name", "document"))
        found[mode] = np.array(
            con.sql(
                f"""SELECT {sql} FROM pairs p JOIN features l ON l.unique_id = p.a
                JOIN features r ON r.unique_id = p.b ORDER BY p.a, p.b"""
            ).fetchall(),
            dtype=float,
        )
        con.close()
    return found["clear"], found["encoded"]


def test_clear_similarity_is_the_encoded_one_without_the_encodings_noise():
    """Over pairs of one person and pairs of strangers alike, the clear mode's similarity of
    names (and of documents) is the encoded mode's on average: levels and the blocking
    floor mean the same in both modes. The plain Dice of the clear sets is not (two
    names differing in the given name: about 0.5 against the filters' 0.85)."""
    people = [
        identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in generator.generate(1500, 13)
    ]
    rng = np.random.default_rng(13)
    by_person: dict[int, list[int]] = {}
    for i, r in enumerate(generator.generate(1500, 13)):
        by_person.setdefault(r.person, []).append(i)
    same = [tuple(v[:2]) for v in by_person.values() if len(v) > 1]
    strangers = [tuple(sorted(p)) for p in rng.integers(0, len(people), (2000, 2)) if p[0] != p[1]]
    pairs = sorted(set(same) | set(strangers))
    clear, encoded = _similarities(people, pairs)
    for column in (0, 1):
        known = ~np.isnan(clear[:, column]) & ~np.isnan(encoded[:, column])
        assert known.sum() > 100
        apart = clear[known, column] - encoded[known, column]
        assert abs(apart.mean()) < 0.005
        assert np.abs(apart).mean() < 0.02
    # Strangers' names are far below one person's in both modes (the test says something).
    assert np.nanmean(clear[:, 0]) < 0.9


def test_a_pair_the_encoded_mode_compares_is_compared_in_clear_too():
    """One woman written by her first given name in one institution and by her second in
    another (the same birth date, surname, sex and department): her filters are near
    enough for the encoded mode's blocking, so the clear mode, on the same scale, compares
    the pair as well (the plain Dice of the clear sets, 0.63, fell below the clear mode's
    earlier floor of 0.65)."""
    people = [
        identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in generator.generate(300, 17)
    ]
    people += [
        identity("Zunilda Ocampos", "", "1990-05-03", "female", "PY", "central"),
        identity("Ruth Ocampos", "", "1990-05-03", "female", "PY", "central"),
    ]
    twin = (len(people) - 2, len(people) - 1)
    for mode in ("encoded", "clear"):
        features = pipeline.features_table(people, mode, Encoder(KEY))
        con = model.features_connection(features.table, mode)
        model.candidate_pairs(con, mode)
        compared = set(con.sql("SELECT join_key_l, join_key_r FROM candidates").fetchall())
        con.close()
        assert twin in compared, mode
        assert len(compared) < len(people) * 3  # blocking still leaves most pairs out


def test_exact_bitmaps_give_each_element_its_own_positions():
    sets = pa.chunked_array(
        [
            pa.array([["_a", "an", "year:1990"], None, ["_a", "a_"]], pa.list_(pa.string())),
            pa.array([["an", "na"], ["year:1990"]], pa.list_(pa.string())),
        ]
    )
    for rows in (1, 2, 1000):  # made a few records at a time: the same bitmaps
        bitmaps = model._exact_bitmaps(sets, rows).to_pylist()
        assert bitmaps[1] is None
        bits = [np.unpackbits(np.frombuffer(b, dtype=np.uint8)) for b in bitmaps if b]
        assert len({len(b) for b in bits}) == 1  # one width
        # A bigram holds one position, an attribute element ATTRIBUTE_POSITIONS.
        counts = [int(b.sum()) for b in bits]
        assert counts == [2 + model.ATTRIBUTE_POSITIONS, 2, 2, model.ATTRIBUTE_POSITIONS]
        # Shared elements, shared positions; nothing else in common.
        assert int((bits[0] & bits[1]).sum()) == 1  # "_a"
        assert int((bits[0] & bits[3]).sum()) == model.ATTRIBUTE_POSITIONS
        assert int((bits[1] & bits[2]).sum()) == 0
