import random

import pytest

from nanduti.linkage.mse import estimate, overlap


def _population(n: int, capture: dict[str, float], seed: int = 3):
    rnd = random.Random(seed)
    return [frozenset(k for k, p in capture.items() if rnd.random() < p) for _ in range(n)]


def test_independent_lists_recover_the_population_within_the_interval():
    people = _population(3000, {"MINNA": 0.3, "FIS": 0.4, "POL": 0.5})
    seen = [m for m in people if m]
    result = estimate(seen, ["MINNA", "FIS", "POL"])
    assert result.observed == len(seen) < 3000
    assert result.chosen.low <= 3000 - len(seen) <= result.chosen.high
    assert abs(result.total - 3000) / 3000 < 0.05
    assert result.chosen.interactions == ()  # BIC prefers the independence model


def test_referral_dependence_is_chosen_by_the_criterion():
    rnd = random.Random(5)
    people = []
    for _ in range(4000):
        minna = rnd.random() < 0.35
        # The Prosecutor sees most of MINNA's referrals: positive dependence.
        fis = rnd.random() < (0.8 if minna else 0.3)
        pol = rnd.random() < 0.4
        people.append(frozenset(n for n, s in (("M", minna), ("F", fis), ("P", pol)) if s))
    result = estimate([m for m in people if m], ["M", "F", "P"])
    assert (0, 1) in result.chosen.interactions
    assert result.chosen.low <= 4000 - result.observed <= result.chosen.high


def test_one_list_is_refused_and_counts_are_by_pattern():
    assert overlap([frozenset({"A"}), frozenset({"A", "B"})], ["A", "B"]) == {(1, 0): 1, (1, 1): 1}
    with pytest.raises(ValueError, match="two lists"):
        estimate([frozenset({"A"})], ["A"])
