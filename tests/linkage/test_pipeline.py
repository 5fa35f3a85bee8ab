"""The pipeline's chunked path (identities → Arrow columns → Splink) against the
record-by-record one (one dict of features per record, as an encoded file carries them)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from nanduti.linkage import pipeline
from nanduti.linkage.encoding import Encoder
from nanduti.linkage.normalise import identity

# The benchmarks' generator of Paraguayan-style records (a script, not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import linkage_records as generator  # noqa: E402


def _identities(n: int, seed: int):
    people = [
        identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in generator.generate(n, seed)
    ]
    # Records with no identifier, in several chunks: they must stay persons of their own.
    for position in (0, 150, 151, n // 2):
        people.insert(position, identity(sex="female", department="central"))
    return people


@pytest.mark.parametrize("mode", ["encoded", "clear"])
def test_the_table_does_not_depend_on_the_chunk_size(mode):
    people = _identities(400, seed=7)
    encoder = Encoder(b"clave de prueba")
    small = pipeline.features_table(iter(people), mode, encoder, chunk=37)
    whole = pipeline.features_table(people, mode, encoder, chunk=10_000)
    assert small.records == whole.records == len(people)
    assert (
        small.known.tolist()
        == whole.known.tolist()
        == [i for i, p in enumerate(people) if p.has_identifier]
    )
    assert small.table.equals(whole.table)
    # Every record with a name has one LSH key per band.
    bands = small.table.column("bands").to_pylist()
    assert {len(b) for b in bands if b} == {encoder.parameters.lsh_bands}


def test_chunked_encoding_links_the_same_persons_as_record_by_record():
    people = _identities(800, seed=5)
    encoder = Encoder(b"clave de prueba")
    one_by_one = pipeline.link_features(
        [encoder.encode(p) if p.has_identifier else None for p in people], "encoded"
    )
    features = pipeline.features_table(iter(people), "encoded", encoder, chunk=97)
    chunked = pipeline.link_table(features, "encoded")
    assert features.table is None  # taken, so it can be freed while Splink runs
    assert chunked.person.tolist() == one_by_one.person.tolist()
    assert chunked.no_identifier == one_by_one.no_identifier == 4
    # Records were linked (the generator repeats persons), so the comparison says something.
    assert chunked.persons == one_by_one.persons < len(people) - 50
    a, b = chunked.pairs, one_by_one.pairs
    assert a is not None and b is not None
    assert a.left.to_pylist() == b.left.to_pylist() and a.right.to_pylist() == b.right.to_pylist()
    # Splink's sums run on several threads: equal up to rounding.
    assert np.allclose(a.weight.to_numpy(), b.weight.to_numpy(), rtol=0, atol=1e-9)


def test_a_crowd_of_namesakes_with_nothing_else_is_not_merged():
    """Fifteen records holding nothing but a common name, sex and department cannot be told
    apart: each stays a person and no pair of them is kept as a candidate link (their LSH
    bucket is crowded). Held before the crowded-bucket rule too (by the crowding comparison's
    low scores); a guard against either giving way."""
    people = _identities(800, seed=5)
    crowd = [identity("María González", sex="female", department="central")] * 15
    outcome = pipeline.link_identities([*people, *crowd], "encoded", Encoder(b"clave"))
    in_crowd = set(range(len(people), len(people) + len(crowd)))
    assert len({outcome.person[i] for i in in_crowd}) == len(crowd)
    pairs = outcome.pairs
    assert pairs is not None and len(pairs.left) > 0  # the run kept pairs for review
    compared = list(zip(pairs.left.to_pylist(), pairs.right.to_pylist(), strict=True))
    assert not any(a in in_crowd and b in in_crowd for a, b in compared)
    # The other records were compared and linked (the generator repeats persons), so the
    # crowd was left out by blocking, not because nothing was compared at all.
    assert any(a not in in_crowd and b not in in_crowd for a, b in compared)
    assert len(set(outcome.person[: len(people)])) < len(people)


@pytest.mark.parametrize("mode", ["encoded", "clear"])
def test_a_rare_name_without_birth_date_or_second_surname_finds_its_twin(mode):
    """One person written twice, once without her birth date and second surname: no LSH
    band survives both differences, so only the rare-name token (first given name, first
    surname, sex) brings the two records together — and its rarity links them."""
    people = _identities(800, seed=5)
    twins = [
        identity("Zunilda Ocampos Vera", "", "1990-05-03", "female", "PY", "central"),
        identity("ZUNILDA OCAMPOS", "", "", "female", "PY", "central"),
    ]
    outcome = pipeline.link_identities([*people, *twins], mode, Encoder(b"clave"))
    assert outcome.person[len(people)] == outcome.person[len(people) + 1]
    # The other records were linked as before, not all into one.
    assert len(people) // 2 < len(set(outcome.person[: len(people)])) < len(people)
