"""Grouping the same story across outlets and days (MinHash + LSH, ``datasketch``).

Three outlets rewriting one police report share most of their word trigrams; their
MinHash signatures collide in the LSH index, and every article joins the group of the
first one it resembles. The group id is that first article's id, so a case reported three
times counts once.
"""

from __future__ import annotations

import re
import zlib

from datasketch import MinHash, MinHashLSH

from .gazetteer import fold_keep_length

NUM_PERM = 64
THRESHOLD = 0.4  # estimated Jaccard of word trigrams; rewrites of one story sit above it
SHINGLE_CHARS = 1200  # the lead carries the story; boilerplate tails differ by outlet
_WORD = re.compile(r"[a-z0-9ñ]+")


def shingles(text: str, size: int = 3, folded: bool = False) -> set[bytes]:
    head = text[:SHINGLE_CHARS]
    words = _WORD.findall(head if folded else fold_keep_length(head))
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32)


def signature(text: str, folded: bool = False) -> MinHash | None:
    grams = shingles(text, folded=folded)
    if not grams:
        return None
    # the permutations depend only on the seed: drawing them once saves most of the cost
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=1,
        hashfunc=zlib.crc32,
        permutations=_TEMPLATE.permutations,
        scheme=_TEMPLATE.scheme,
    )
    minhash.update_batch(list(grams))
    return minhash


class StoryGrouper:
    """Streams articles in; returns each one's group id (the first similar article's id)."""

    def __init__(self, threshold: float = THRESHOLD):
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.group_of: dict[str, str] = {}
        self.signatures: dict[str, MinHash] = {}
        self.order: dict[str, int] = {}
        self.threshold = threshold

    def add(self, item_id: str, text: str, folded: bool = False) -> str:
        minhash = signature(text, folded)
        if minhash is None:
            self.group_of.setdefault(item_id, item_id)
            return item_id
        return self.add_signature(item_id, minhash)

    def add_signature(self, item_id: str, minhash: MinHash) -> str:
        best, best_rank = None, None
        for other in self.lsh.query(minhash):  # a set: its order changes between processes
            similarity = minhash.jaccard(self.signatures[other])
            rank = (-similarity, self.order[other])  # most similar, then earliest: stable
            if similarity >= self.threshold and (best_rank is None or rank < best_rank):
                best, best_rank = other, rank
        group = self.group_of[best] if best else item_id
        key = item_id if item_id not in self.signatures else f"{item_id}#{len(self.signatures)}"
        self.lsh.insert(key, minhash)
        self.order[key] = len(self.order)
        self.signatures[key] = minhash
        self.group_of[key] = group
        self.group_of.setdefault(item_id, group)
        return group


def group_stories(items: list[tuple[str, str]], threshold: float = THRESHOLD) -> dict[str, str]:
    """{id: group id} for (id, text) pairs."""
    grouper = StoryGrouper(threshold)
    return {item_id: grouper.add(item_id, text) for item_id, text in items}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0
