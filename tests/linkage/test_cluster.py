import numpy as np

from nanduti.linkage.cluster import clusters


def test_chain_of_weak_links_is_split_but_strong_pairs_stay():
    # 0-1-2-…-19 chained by weak links (weight 5), plus strong pairs (weight 20) 0-1, 5-6.
    left = np.array([*range(19), 0, 5])
    right = np.array([*range(1, 20), 1, 6])
    weight = np.array([5.0] * 19 + [20.0, 20.0])
    person, split = clusters(20, left, right, weight, threshold=4.0, max_size=12)
    assert split == 1
    assert person[0] == person[1] and person[5] == person[6]
    assert len(set(person.tolist())) == 18
    # Below the guard nothing is split.
    person, split = clusters(20, left, right, weight, threshold=4.0, max_size=20)
    assert split == 0 and len(set(person.tolist())) == 1


def test_person_numbers_follow_first_record_order():
    person, _ = clusters(4, np.array([2]), np.array([3]), np.array([9.0]), threshold=1.0)
    assert person.tolist() == [0, 1, 2, 2]
