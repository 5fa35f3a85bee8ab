"""Privacy-preserving encodings of normalised identifiers (pure functions).

Two kinds of encoding, both keyed with a secret the institutions share:

* **Tokens** for blocking and exact comparison: HMAC-SHA256 of a field's normalised value
  (or a combination of values), truncated to 128 bits. Without the key a token cannot be
  recomputed from a guessed name, so a dictionary attack needs the key.
* **Bloom filters** for the fuzzy comparisons of given names, surnames and document numbers
  (Schnell, Bachteler & Reiher 2009, "Privacy-preserving record linkage using Bloom
  filters", BMC Med Inform Decis Mak 9:41):
  the padded bigrams of every word (given names, surnames, the document: one filter each) are
  hashed into ``bloom_bits`` bits; two names' similarity is the Dice coefficient of their
  filters. Hardened in two documented ways:
  - *random hashing* instead of double hashing (Niedermeyer, Steinmetzer, Kroll & Schnell
    2014, "Cryptanalysis of basic Bloom filters used for privacy preserving record
    linkage", J Priv Confid 6(2)): the ``hashes`` positions of a bigram are independent
    16-bit slices of its HMAC-SHA256, so the arithmetic pattern their attack exploits is
    absent;
  - *balancing* (Schnell & Borgs 2016, "Randomized response and balanced Bloom filters for
    privacy preserving record linkage", IEEE ICDMW): the filter is concatenated with its
    complement and the bits are put in a keyed secret order, so every encoding has the same
    number of ones and the ones' count no longer reveals the name's length. The Dice
    coefficient of two balanced filters equals the share of positions on which the
    unbalanced filters agree (one minus the normalised Hamming distance).
  XOR-folding (Schnell, Borgs & Encarnação 2016) is not used: balancing already hides the
  weight, and folding lowers the accuracy the FEBRL bar asks for.

Nothing here is new cryptography: HMAC-SHA256 from the standard library, sub-keys derived
from the shared secret with HMAC (one per purpose), a permutation ordered by HMAC values.
The secret itself is never returned, stored or logged; only its fingerprint (an HMAC of a
fixed label, which reveals nothing about the key) names it in files and runs.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict, dataclass
from functools import lru_cache

from nanduti.linkage.normalise import Identity

SCHEME = "nanduti-pprl-1"


@dataclass(frozen=True, slots=True)
class Parameters:
    bloom_bits: int = 512  # before balancing; the stored filter has twice as many
    hashes: int = 8  # positions per bigram (at most 16: one HMAC-SHA256 gives 16 slices)
    qgram: int = 2
    token_bytes: int = 16

    def as_dict(self) -> dict:
        return asdict(self)


def _mac(key: bytes, message: str) -> bytes:
    return hmac.digest(key, message.encode("utf-8"), "sha256")


def fingerprint(secret: bytes) -> str:
    """Names a key without revealing it: files and runs made with the same key share it."""
    return _mac(secret, "nanduti-linkage/fingerprint").hex()[:16]


def qgrams(words: tuple[str, ...], q: int = 2) -> frozenset[str]:
    """The padded q-grams of each word ("ana" → _a an na a_); order of words is irrelevant,
    so a swapped pair of surnames gives the same set."""
    grams: set[str] = set()
    for word in words:
        padded = f"_{word}_"
        grams.update(padded[i : i + q] for i in range(len(padded) - q + 1))
    return frozenset(grams)


def birth_parts(birth: tuple[int, int, int] | None) -> dict[str, str]:
    """Birth-date values compared exactly: the date, the date with day and month in either
    order (a common swap), and each pair of its parts (one part mistyped)."""
    if birth is None:
        return dict.fromkeys(("dob", "dob_swap", "ym", "yd", "md"), "")
    y, m, d = birth
    low, high = sorted((m, d))
    return {
        "dob": f"{y}-{m}-{d}",
        "dob_swap": f"{y}-{low}-{high}",
        "ym": f"{y}-{m}",
        "yd": f"{y}-{d}",
        "md": f"{m}-{d}",
    }


def blocking_keys(person: Identity, parts: dict[str, str]) -> dict[str, str]:
    """Keys that choose which pairs are compared at all (never compared themselves).

    Each is narrow enough that a million records give few pairs per key, and each survives
    a different error: ``di``/``dsi``/``ds`` a misspelt name (birth date, also swapped, with
    an initial), ``sy1``/``sy2`` a mistyped birth day or month (a surname, the birth year
    and the given initial; compared crosswise, so a swapped or omitted surname still meets),
    ``gs1``/``gs2`` a missing birth date (given name, a surname, department), ``ss`` a
    missing birth date with a moved department (both surnames in either order, initial) and
    ``dd`` names in the wrong fields (birth date and department).
    """
    initial = person.given[0][0] if person.given else ""
    surname_initial = person.surnames[0][0] if person.surnames else ""
    year = str(person.birth[0]) if person.birth else ""
    first = person.given[0] if person.given else ""
    surnames = (*person.surnames[:2], "", "")[:2]

    def key(*values: str) -> str:
        return "|".join(values) if all(values) else ""

    return {
        "di": key(parts["dob"], initial),
        "dsi": key(parts["dob_swap"], initial),
        "ds": key(parts["dob"], surname_initial),
        "sy1": key(surnames[0], year, initial),
        "sy2": key(surnames[1], year, initial),
        "gs1": key(first, surnames[0], person.department),
        "gs2": key(first, surnames[1], person.department),
        "ss": key(*sorted(surnames), initial),
        "dd": key(parts["dob"], person.department),
    }


def clear_features(person: Identity) -> dict[str, object]:
    """The values the linkage model compares or blocks on, in clear (the ``clear`` mode)."""
    parts = birth_parts(person.birth)
    return {
        "doc": person.document,
        **parts,
        "sex": person.sex,
        "nat": person.nationality,
        "dept": person.department,
        **blocking_keys(person, parts),
        "given": qgrams(person.given),
        "surname": qgrams(person.surnames),
        # The document's digit pairs: a mistyped digit still leaves most of them equal.
        "document": qgrams((person.document,)) if person.document else frozenset(),
    }


TOKEN_FIELDS = ("doc", "dob", "dob_swap", "ym", "yd", "md", "sex", "nat", "dept")
BLOCK_FIELDS = ("di", "dsi", "ds", "dd", "sy1", "sy2", "gs1", "gs2", "ss")
BLOOM_FIELDS = ("given", "surname", "document")


class Encoder:
    """Encodes identities with a shared secret (HMAC tokens and balanced Bloom filters)."""

    def __init__(self, secret: bytes, parameters: Parameters | None = None) -> None:
        if not secret:
            raise ValueError("La clave de enlace está vacía / the linkage key is empty")
        self.parameters = parameters or Parameters()
        if not 1 <= self.parameters.hashes <= 16:
            raise ValueError("hashes must be between 1 and 16")
        self.fingerprint = fingerprint(secret)
        # One sub-key per purpose: a token can never equal a Bloom-filter hash input.
        self._token_key = _mac(secret, "nanduti-linkage/token")
        self._bloom_key = _mac(secret, "nanduti-linkage/bloom")
        m = self.parameters.bloom_bits
        order_key = _mac(secret, "nanduti-linkage/permutation")
        # The secret order of the 2m balanced bits: positions sorted by their HMAC.
        order = sorted(range(2 * m), key=lambda p: _mac(order_key, str(p)))
        self._place = [0] * (2 * m)
        for new, old in enumerate(order):
            self._place[old] = new
        self._complement_all = sum(1 << self._place[m + p] for p in range(m))
        self.token = lru_cache(maxsize=1 << 20)(self._token)
        self._gram_masks = lru_cache(maxsize=1 << 16)(self._masks)

    def _token(self, field: str, value: str) -> str:
        if not value:
            return ""
        return _mac(self._token_key, f"{field}\x1f{value}")[: self.parameters.token_bytes].hex()

    def _masks(self, gram: str) -> tuple[int, int]:
        """(bits the bigram sets, complement bits it clears), already in the secret order."""
        digest = _mac(self._bloom_key, gram)
        m = self.parameters.bloom_bits
        ones = complement = 0
        for i in range(self.parameters.hashes):
            p = int.from_bytes(digest[2 * i : 2 * i + 2], "big") % m
            ones |= 1 << self._place[p]
            complement |= 1 << self._place[m + p]
        return ones, complement

    def bloom(self, grams: frozenset[str]) -> bytes:
        """The balanced, permuted Bloom filter of a set of q-grams; empty bytes if none."""
        if not grams:
            return b""
        ones = cleared = 0
        for gram in grams:
            a, b = self._gram_masks(gram)
            ones |= a
            cleared |= b
        value = ones | (self._complement_all & ~cleared)
        return value.to_bytes(self.parameters.bloom_bits // 4, "big")

    def encode(self, person: Identity) -> dict[str, object]:
        """The encoded features of one identity: no clear identifier remains."""
        clear = clear_features(person)
        encoded: dict[str, object] = {f: self.token(f, clear[f]) for f in TOKEN_FIELDS}
        encoded.update((f, self.token("block", clear[f])) for f in BLOCK_FIELDS)
        for f in BLOOM_FIELDS:
            grams = clear[f]
            assert isinstance(grams, frozenset)  # clear_features gives q-gram sets here
            encoded[f] = self.bloom(grams)
        return encoded

    def header(self) -> dict:
        return {
            "scheme": SCHEME,
            "parameters": self.parameters.as_dict(),
            "key_fingerprint": self.fingerprint,
        }
