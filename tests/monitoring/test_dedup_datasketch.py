"""The story grouper's MinHash and LSH bands are ``datasketch``'s, without importing it."""

import json
import zlib
from pathlib import Path

import pytest

from nanduti.monitoring.extract import dedup
from nanduti.monitoring.extract.gazetteer import fold_keep_length

datasketch = pytest.importorskip("datasketch")
from datasketch.lsh import _optimal_param  # noqa: E402

DEVSET = Path(__file__).resolve().parents[2] / "benchmarks/data/monitoring_devset/devset.jsonl"


def _texts(limit: int = 400) -> list[tuple[str, str]]:
    with open(DEVSET, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()][:limit]
    texts = [(r["id"], f"{r['title']}\n{r['text']}") for r in rows]
    # a few rewrites of earlier items, so that groups of several items are compared too
    texts += [(f"{i}-again", text.replace(".", ",")) for i, text in texts[:60:3]]
    texts += [("short", "trata"), ("empty", "")]
    return texts


def _reference(text: str):
    grams = dedup.shingles(text)
    if not grams:
        return None
    minhash = datasketch.MinHash(num_perm=dedup.NUM_PERM, seed=1, hashfunc=zlib.crc32)
    minhash.update_batch(list(grams))
    return minhash


def test_signatures_are_datasketchs_hash_values():
    for _, text in _texts():
        ours, theirs = dedup.signature(text), _reference(text)
        if theirs is None:
            assert ours is None
            continue
        assert theirs.scheme == dedup.MinHash.scheme
        assert ours.hashvalues.tolist() == theirs.hashvalues.tolist()
        assert ours.hashvalues.dtype == theirs.hashvalues.dtype


@pytest.mark.parametrize("threshold", [0.1, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9])
@pytest.mark.parametrize("num_perm", [32, 64, 128])
def test_band_shape_is_datasketchs(threshold, num_perm):
    assert dedup.band_shape(threshold, num_perm, known=False) == _optimal_param(
        threshold, num_perm, 0.5, 0.5
    )


def test_the_known_band_shapes_are_what_the_computation_gives():
    for (threshold, num_perm), shape in dedup.KNOWN_BANDS.items():
        assert dedup.band_shape(threshold, num_perm, known=False) == shape


def _reference_groups(texts, threshold=dedup.THRESHOLD) -> list[str]:
    """The grouper's rule with datasketch's MinHashLSH as the index."""
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=dedup.NUM_PERM)
    group_of, signatures, order, groups = {}, {}, {}, []
    for item_id, text in texts:
        minhash = _reference(text)
        if minhash is None:
            groups.append(group_of.setdefault(item_id, item_id))
            continue
        best, best_rank = None, None
        for other in lsh.query(minhash):
            similarity = minhash.jaccard(signatures[other])
            rank = (-similarity, order[other])
            if similarity >= threshold and (best_rank is None or rank < best_rank):
                best, best_rank = other, rank
        group = group_of[best] if best else item_id
        lsh.insert(item_id, minhash)
        order[item_id], signatures[item_id], group_of[item_id] = len(order), minhash, group
        groups.append(group)
    return groups


@pytest.mark.parametrize("threshold", [dedup.THRESHOLD, 0.25])
def test_groups_are_those_datasketchs_index_gives(threshold):
    texts = _texts()
    grouper = dedup.StoryGrouper(threshold)
    ours = [grouper.add(item_id, fold_keep_length(text), folded=True) for item_id, text in texts]
    theirs = _reference_groups(texts, threshold)
    assert ours == theirs
    assert len(set(ours)) < len(ours) - 10  # the rewrites joined their originals
