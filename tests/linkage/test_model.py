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
