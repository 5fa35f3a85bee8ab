"""The linker's own blocking (``model.candidate_pairs``) against Splink's blocking on the
model's rules (``model._blocking_rules``): the same pairs, rule by rule."""

import logging
import sys
from pathlib import Path

import pytest

from nanduti.linkage import model, pipeline
from nanduti.linkage.encoding import Encoder
from nanduti.linkage.normalise import identity

# The benchmarks' generator of Paraguayan-style records (a script, not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import linkage_records as generator  # noqa: E402


@pytest.mark.parametrize("mode", ["encoded", "clear"])
def test_candidate_pairs_are_the_pairs_splinks_blocking_rules_find(mode):
    from splink import DuckDBAPI, Linker

    people = [
        identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in generator.generate(3000, 11)
    ]
    features = pipeline.features_table(people, mode, Encoder(b"clave de prueba"))
    con = model.features_connection(features.table, mode)
    model.candidate_pairs(con, mode)
    ours = set(con.sql("SELECT join_key_l, join_key_r FROM candidates").fetchall())

    linker = Linker(
        DuckDBAPI(con).register("features"), model._settings(mode), log_level=logging.ERROR
    )
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    rows = con.sql(f"SELECT match_key, join_key_l, join_key_r FROM {blocked.physical_name}")
    splinks = {}
    for key, left, right in rows.fetchall():
        splinks.setdefault(int(key), set()).add((left, right))
    assert ours == set().union(*splinks.values())
    # Every rule found pairs no earlier rule found (Splink's match key: the first rule that
    # met the pair), so each rule's conditions are exercised; the band rule is the last.
    assert set(splinks) == set(range(len(model._blocking_rules(mode))))
    # The conditions matter on these records: without the name and date conditions the
    # same keys and bands meet more pairs.
    joins = " UNION ".join(
        f"SELECT l.unique_id, r.unique_id FROM features l JOIN features r "
        f"ON l.{c} = r.{c} AND l.unique_id < r.unique_id"
        for c in ("doc", *model.BLOCK_COLUMNS, "rare")
    )
    banded = "SELECT unique_id AS id, unnest(bands) AS band FROM features"
    met = con.execute(
        f"""SELECT count(*) FROM ({joins} UNION SELECT l.id, r.id FROM ({banded}) l
        JOIN ({banded}) r ON l.band = r.band AND l.id < r.id)"""
    ).fetchone()
    assert met is not None and met[0] > len(ours)


@pytest.mark.parametrize("width", [8, 3])
def test_crowding_counts_every_band_and_keeps_only_uncrowded_ones(width, monkeypatch):
    import pyarrow as pa

    monkeypatch.setattr(model, "BAND_BUCKET_CAP", 2)

    def key(n):
        return n.to_bytes(width, "big")

    # Band 1 is held by three records (crowded), band 2 by two, bands 3–5 by one.
    bands = pa.array(
        [[key(1), key(2)], [key(1), key(3)], [key(1), key(2), key(4)], None, [], [key(5)]],
        pa.list_(pa.binary()),
    )
    kept, crowd = model._crowding(pa.chunked_array([bands.slice(0, 2), bands.slice(2)]))
    assert crowd.to_pylist() == [2.5, 2.0, 2.0, None, None, 1.0]
    numbers = kept.to_pylist()
    assert numbers[3] is None and numbers[4] == []
    assert [len(n) for n in numbers if n is not None] == [1, 1, 2, 0, 1]
    # Equal keys, equal numbers; different keys, different numbers.
    assert numbers[0][0] == numbers[2][0] != numbers[1][0]
    assert len({numbers[1][0], numbers[2][0], numbers[2][1], numbers[5][0]}) == 4


def test_match_prior_is_the_capture_recapture_estimate_of_the_two_rules():
    import duckdb

    con = duckdb.connect()
    # Pairs: (0,1) meets both rules, (2,3) the document only, (4,5) and (6,7) the birth
    # date + initial with equal names only; 8 and 9 meet nothing.
    con.execute(
        """CREATE TABLE features AS SELECT * FROM (VALUES
        (0, 'a', 'x', 'n1'), (1, 'a', 'x', 'n1'), (2, 'b', 'y', 'n2'), (3, 'b', 'z', 'n2'),
        (4, NULL, 'u', 'n3'), (5, NULL, 'u', 'n3'), (6, 'c', 'v', 'n4'), (7, 'd', 'v', 'n4'),
        (8, NULL, 'w', 'n5'), (9, NULL, NULL, 'n5')) t(unique_id, doc, di, name)"""
    )
    # n1 = 2, n2 = 3, n12 = 1: Chapman's (2+1)(3+1)/(1+1) − 1 = 5 matching pairs of 45.
    assert model.match_prior(con, 10) == pytest.approx(5 / 45)
    con.execute("DELETE FROM features WHERE unique_id = 1")
    assert model.match_prior(con, 9) is None  # no pair meets both rules: no estimate


def test_prior_is_near_the_true_share_of_matching_pairs():
    """The model's prior is estimated, not assumed: on generated records it is close to the
    true share of pairs that are one person (the earlier estimate, the rules' union over
    an assumed recall of 0.7, was about half of it, and every match probability too low)."""
    import numpy as np

    records = generator.generate(3000, 7)
    people = [
        identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in records
    ]
    sizes = np.bincount([r.person for r in records])
    n = len(records)
    true_share = (sizes * (sizes - 1) / 2).sum() / (n * (n - 1) / 2)
    features = pipeline.features_table(people, "encoded", Encoder(b"clave de prueba"))
    scored = model.score(features.take_table(), "encoded")
    assert 0.75 < scored.prior / true_share < 1.4
