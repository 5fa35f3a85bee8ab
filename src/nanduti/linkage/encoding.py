"""Privacy-preserving encodings of normalised identifiers (pure functions).

Two kinds of encoding, both keyed with a secret the institutions share:

* **Tokens** for blocking and exact comparison: HMAC-SHA256 of a field's normalised value
  (or a combination of values), truncated to 128 bits. Without the key a token cannot be
  recomputed from a guessed name, so a dictionary attack needs the key.
* **Bloom filters** for the fuzzy comparisons (Schnell, Bachteler & Reiher 2009,
  "Privacy-preserving record linkage using Bloom filters", BMC Med Inform Decis Mak 9:41):
  scheme ``nanduti-pprl-2`` keeps one *record-level* filter (a cryptographic long-term key,
  Schnell, Bachteler & Reiher 2011, "A novel error-tolerant anonymous linking code") of the
  bigrams of every name word plus the birth year, sex and department as elements with
  ``attribute_hashes`` positions each, and one filter of the document's digits; similarity
  is the Dice coefficient of two filters. Field-level filters of given names and of
  surnames (scheme ``nanduti-pprl-1``) repeated as often as each name and gave ~12 % of
  records away to a frequency attack (docs/benchmarks/linkage.md). Hardened in two
  documented ways besides:
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
* **LSH bands** for blocking (``Encoder.bands``): keyed samples of the stored filter's bits;
  scheme ``nanduti-pprl-4`` withholds (``withhold_common_bands``) every band value that
  more than ``band_most`` records of an institution share from its encoded file, and
  every one that more than the linker's bucket cap share from the central linkage table,
  for the reason and in the way the rare-name token is withheld: the crowded buckets of
  a band were what a frequency attack aligned with a list of common names
  (docs/benchmarks/linkage.md, session 8).
* A **rare-name token** (scheme ``nanduti-pprl-3``): the HMAC of first given name, first
  surname and sex, written only where at most ``rare_most`` records of the file (or of the
  registry, centrally) share it (``suppress_common``), so the column has no frequent value
  for a frequency attack to align; it blocks and is compared (with Splink's
  term-frequency adjustment) where the bands cannot help.

Nothing here is new cryptography: HMAC-SHA256 from the standard library, sub-keys derived
from the shared secret with HMAC (one per purpose), a permutation ordered by HMAC values.
The secret itself is never returned, stored or logged; only its fingerprint (an HMAC of a
fixed label, which reveals nothing about the key) names it in files and runs.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Generic, TypeVar

import numpy as np

from nanduti.linkage.normalise import Identity

SCHEME = "nanduti-pprl-4"
RARE_FIELD = "rare"  # the rare-name token, withheld where common (``suppress_common``)


@dataclass(frozen=True, slots=True)
class Parameters:
    bloom_bits: int = 512  # before balancing; the stored filter has twice as many
    hashes: int = 8  # positions per bigram (at most 16: one HMAC-SHA256 gives 16 slices)
    qgram: int = 2
    token_bytes: int = 16
    attribute_hashes: int = 32  # positions of the year, sex and department elements
    lsh_bands: int = 24  # blocking bands sampled from the record-level filter
    lsh_bits: int = 48  # filter positions per band
    rare_most: int = 3  # records that may share a rare-name token before it is withheld
    band_most: int = 2  # records of one institution that may share a band value (files)

    def as_dict(self) -> dict:
        return asdict(self)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """``function(key)`` of each key looked up, remembered; all forgotten at once past
    ``most`` keys. A hit is a plain dictionary lookup (an LRU cache's bookkeeping cost the
    encoder more than most of what it saved), and the memory stays bounded."""

    def __init__(self, function: Callable[[K], V], most: int = 1 << 16) -> None:
        super().__init__()
        self.function, self.most = function, most

    def __missing__(self, key: K) -> V:
        if len(self) >= self.most:
            self.clear()
        value = self[key] = self.function(key)
        return value


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
    """Exact keys that choose which pairs are compared at all (never compared themselves).

    Each combines the birth date with one more value, so none of them carries a name:
    ``di``/``dsi`` the birth date (also with day and month swapped) and the given initial,
    ``ds`` the birth date and the surname initial, ``dd`` the birth date and the department
    (names written in the wrong fields). Pairs whose birth dates differ or are missing are
    met by the LSH bands of the record-level filter (``Encoder.bands``) and by the
    rare-name token (``rare_name``), never by a key of common names: a key made of names
    repeats as often as the name and hands its frequency to an attacker
    (docs/benchmarks/linkage.md, frequency attack).
    """
    initial = person.given[0][0] if person.given else ""
    surname_initial = person.surnames[0][0] if person.surnames else ""

    def key(*values: str) -> str:
        return "|".join(values) if all(values) else ""

    return {
        "di": key(parts["dob"], initial),
        "dsi": key(parts["dob_swap"], initial),
        "ds": key(parts["dob"], surname_initial),
        "dd": key(parts["dob"], person.department),
    }


def record_elements(person: Identity) -> frozenset[str]:
    """What the record-level filter holds: the bigrams of every name word (given names and
    surnames together, so swapped or misplaced names still meet) plus the birth year, sex
    and department as elements of their own. The attributes make the filters of two
    namesakes differ unless they share year, sex and department, which flattens the
    frequencies an attacker could align with a list of common names."""
    grams = qgrams((*person.given, *person.surnames))
    if not grams:
        return frozenset()
    year = person.birth[0] if person.birth else None
    return grams | attribute_elements(year, person.sex, person.department)


def attribute_elements(year: int | None, sex: str, department: str) -> frozenset[str]:
    """The attribute elements of ``record_elements`` (those known)."""
    elements = (
        f"year:{year}" if year is not None else "",
        f"sex:{sex}" if sex else "",
        f"dept:{department}" if department else "",
    )
    return frozenset(e for e in elements if e)


def rare_name(person: Identity) -> str:
    """The first given name, the first surname and the sex: the value of the rare-name token
    (``suppress_common`` withholds it where it is common). A record without a birth date
    can then still meet its twin with a second surname left out or a department moved,
    which no LSH band survives (docs/benchmarks/linkage.md, session 6)."""
    if not person.given or not person.surnames or not person.sex:
        return ""
    return f"{person.given[0]}|{person.surnames[0]}|{person.sex}"


def suppress_common(values: list, most: int) -> list:
    """``values`` with every value that more than ``most`` of them share replaced by None
    (empty values stay as they are). A frequency attack aligns the *most frequent* encodings
    of a column with a public list of common names (Kuzu et al. 2011); a column whose
    values each occur at most ``most`` times has no frequency left to align — the
    suppression of frequent values that k-anonymity uses, applied before the values leave
    the institution. What is withheld are exactly the common names, whose token would say
    little anyway (many namesakes share it)."""
    counts = Counter(v for v in values if v)
    return [v if counts[v] <= most else None for v in values]


# The first byte of a band key whose value was withheld: the band number's high bit set
# (band numbers stay below 2¹⁵), the sampled bits zero — a key no filter can give.
WITHHELD = 0x80


def withhold_common_bands(keys: np.ndarray, most: int) -> np.ndarray:
    """LSH keys (``Encoder.band_keys``, one key a row: uint8 of shape keys × key bytes, of
    any bands) with every key that more than ``most`` rows share replaced by its band's
    *withheld* key (band number with ``WITHHELD`` set, bits zero). ``suppress_common`` for
    the bands: a frequency attack aligned the crowded buckets of each band — namesakes
    without a birth date in one department — with a public list of common names; with
    them withheld no band value is held by more than ``most`` records.

    The withheld key is kept rather than dropped so that the linker still sees that the
    band was crowded: all the withheld records of a band share it, a bucket larger than
    ``most``, so the model counts it in a record's crowding and never blocks on it while
    ``most`` is at least ``model.BAND_BUCKET_CAP`` — or, below that cap, blocks only
    records already withheld together, whose names the blocking rules still compare.
    Withheld keys stay withheld when the function is applied again (to files linked
    together), so it can be applied at each institution and again over all of them."""
    if not len(keys):
        return keys.copy()
    if keys.shape[1] == 8:  # the default 48-bit bands: one int64 a key
        common = _common(np.ascontiguousarray(keys).view(np.int64).ravel(), most)
    else:
        _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        common = counts[inverse.ravel()] > most
    withheld = keys.copy()
    withheld[common, 0] |= WITHHELD
    withheld[common, 2:] = 0
    return withheld


def _common(values: np.ndarray, most: int) -> np.ndarray:
    """Which of ``values`` (int64) more than ``most`` of them share. A sort of the values
    and a binary search among the few common ones: at a million records (24 million keys)
    a fraction of the time and memory of ``np.unique``'s inverse index."""
    ordered = np.sort(values)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    runs = np.diff(np.append(starts, len(ordered)))
    common = ordered[starts[runs > most]]
    if not len(common):
        return np.zeros(len(values), dtype=bool)
    found = np.searchsorted(common, values)
    return common[np.minimum(found, len(common) - 1)] == values


def is_withheld(key: bytes) -> bool:
    """True for a band key that ``withhold_common_bands`` withheld."""
    return bool(key[0] & WITHHELD)


def is_attribute(element: str) -> bool:
    """True for the year, sex and department elements of ``record_elements`` (bigrams hold
    letters and "_" only)."""
    return ":" in element


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
        RARE_FIELD: rare_name(person),
        "name": record_elements(person),
        # The document's digit pairs: a mistyped digit still leaves most of them equal.
        "document": qgrams((person.document,)) if person.document else frozenset(),
    }


TOKEN_FIELDS = ("doc", "dob", "dob_swap", "ym", "yd", "md", "sex", "nat", "dept", RARE_FIELD)
BLOCK_FIELDS = ("di", "dsi", "ds", "dd")
BLOOM_FIELDS = ("name", "document")
BAND_FIELD = "bands"  # LSH blocking tokens of the record-level filter, one per band
ENCODED_FIELDS = (*TOKEN_FIELDS, *BLOCK_FIELDS, *BLOOM_FIELDS)  # ``Encoder.encoded``'s order


class Encoder:
    """Encodes identities with a shared secret (HMAC tokens and balanced Bloom filters)."""

    def __init__(self, secret: bytes, parameters: Parameters | None = None) -> None:
        if not secret:
            raise ValueError("La clave de enlace está vacía / the linkage key is empty")
        self.parameters = parameters or Parameters()
        if not 1 <= self.parameters.hashes <= 16 or not self.parameters.attribute_hashes >= 1:
            raise ValueError("hashes must be between 1 and 16, attribute_hashes at least 1")
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
        if not 1 <= self.parameters.lsh_bits <= 2 * m:
            raise ValueError("lsh_bits must be between 1 and the filter's 2·bloom_bits")
        if not 1 <= self.parameters.lsh_bands < 1 << 15:
            raise ValueError("lsh_bands must be between 1 and 2¹⁵ − 1 (``WITHHELD``)")
        # Each band: a keyed random choice of lsh_bits positions of the stored filter.
        band_key = _mac(secret, "nanduti-linkage/lsh")

        def band(b: int) -> list[int]:
            ranked = sorted(range(2 * m), key=lambda p: _mac(band_key, f"{b}:{p}"))
            return ranked[: self.parameters.lsh_bits]

        bands = [band(b) for b in range(self.parameters.lsh_bands)]
        self._band_positions = np.array(bands, dtype=np.intp).reshape(
            self.parameters.lsh_bands, self.parameters.lsh_bits
        )
        # Names, birth dates, attributes and most tokens recur across a registry's records:
        # each distinct one is encoded once (session 7, docs/benchmarks/linkage.md).
        self._tokens = {f: Memo(partial(self._token, f)) for f in (*TOKEN_FIELDS, "block")}
        self._element_mask = Memo(self._mask)
        self._word_mask = Memo(self._word)
        self._attributes_mask = Memo(self._attributes)
        self._birth_tokens = Memo(self._birth)
        self._document_filter = Memo(self._document)

    def token(self, field: str, value: str) -> bytes:
        """The raw token bytes of a field's value (files write them in hexadecimal); empty if
        no value. Raw bytes take half the memory of hexadecimal text in the linker's tables."""
        memo = self._tokens.get(field)
        return memo[value] if memo is not None else self._token(field, value)

    def _token(self, field: str, value: str) -> bytes:
        if not value:
            return b""
        return _mac(self._token_key, f"{field}\x1f{value}")[: self.parameters.token_bytes]

    def _mask(self, element: str) -> int:
        """The bits an element sets and the complement bits it clears, in the secret order.
        A bigram sets ``hashes`` positions; an attribute element (``year:…``, ``sex:…``,
        ``dept:…``) sets ``attribute_hashes``, so that nearly every LSH band samples the
        attributes and no band groups records by their names alone.

        Both kinds of bit in one mask: a set bit ``p`` of the unbalanced filter is stored at
        ``place[p]`` and clears its complement at ``place[m + p]``, so the balanced filter of
        a set of elements is the OR of their masks XOR all the complement positions
        (``_filter``)."""
        count = (
            self.parameters.attribute_hashes if is_attribute(element) else self.parameters.hashes
        )
        digest = b"".join(
            _mac(self._bloom_key, f"{element}\x1f{i}") for i in range(count // 16 + 1)
        )
        m = self.parameters.bloom_bits
        mask = 0
        for i in range(count):
            p = int.from_bytes(digest[2 * i : 2 * i + 2], "big") % m
            mask |= 1 << self._place[p] | 1 << self._place[m + p]
        return mask

    def _elements_mask(self, elements: Iterable[str]) -> int:
        mask = 0
        for element in elements:
            mask |= self._element_mask[element]
        return mask

    def _filter(self, mask: int) -> bytes:
        """The stored filter of the OR of elements' masks (``_mask``)."""
        return (mask ^ self._complement_all).to_bytes(self.parameters.bloom_bits // 4, "big")

    def bloom(self, grams: frozenset[str]) -> bytes:
        """The balanced, permuted Bloom filter of a set of q-grams; empty bytes if none."""
        if not grams:
            return b""
        return self._filter(self._elements_mask(grams))

    def _word(self, word: str) -> int:
        """The mask of a name word's q-grams; a name's is the OR of its words' (``qgrams``
        of several words is the union of each word's)."""
        return self._elements_mask(qgrams((word,)))

    def _attributes(self, attributes: tuple[int | None, str, str]) -> int:
        return self._elements_mask(attribute_elements(*attributes))

    def _document(self, document: str) -> bytes:
        return self.bloom(qgrams((document,)) if document else frozenset())

    def _birth(self, birth: tuple[int, int, int] | None) -> tuple[str, str, tuple[bytes, ...]]:
        """The birth date and its day/month-swapped form (for the blocking keys) and the
        tokens of ``birth_parts``."""
        parts = birth_parts(birth)
        return parts["dob"], parts["dob_swap"], tuple(self.token(f, v) for f, v in parts.items())

    def band_keys(self, filters: np.ndarray) -> np.ndarray:
        """LSH blocking keys of stored filters, one row of bytes per filter (uint8, shape
        filters × filter bytes); returns uint8 of shape filters × bands × key bytes.

        Bit sampling for the Hamming distance (Indyk & Motwani 1998), the LSH blocking used
        for Bloom-filter linkage by Durham (2012, PhD thesis, Vanderbilt) and Karapiperis &
        Verykios (2015, IEEE TKDE 27(4)): band ``b`` is a keyed random choice of
        ``lsh_bits`` positions of the filter; two records share a band when their filters
        agree on all of its positions. A key is the band's number (two bytes, so equal bits
        in two bands never meet) and the packed bits: it holds only bits the filter holds.
        Vectorised over many filters: encoding a million records calls it once per chunk."""
        bands, width = self._band_positions.shape
        positions = self._band_positions.ravel()
        keys = np.empty((len(filters), bands, 2 + (width + 7) // 8), dtype=np.uint8)
        keys[:, :, :2] = np.arange(bands, dtype=">u2").view(np.uint8).reshape(bands, 2)
        # A thousand filters at a time: their unpacked bits stay in the processor's cache
        # (session 7: a third of the time of unpacking a whole chunk at once).
        for start in range(0, len(filters), 1024):
            part = filters[start : start + 1024]
            sampled = np.take(np.unpackbits(part, axis=1), positions, axis=1)
            keys[start : start + 1024, :, 2:] = np.packbits(
                sampled.reshape(len(part), bands, width), axis=2
            )
        return keys

    def bands(self, filter_: bytes) -> list[bytes]:
        """The LSH blocking keys (``band_keys``) of one stored filter; none if it is empty."""
        if not filter_:
            return []
        keys = self.band_keys(np.frombuffer(filter_, dtype=np.uint8).reshape(1, -1))[0]
        return [key.tobytes() for key in keys]

    def encode(self, person: Identity) -> dict[str, object]:
        """The encoded features of one identity: no clear identifier remains."""
        encoded = self.encode_values(person)
        name = encoded["name"]
        assert isinstance(name, bytes)
        encoded[BAND_FIELD] = self.bands(name)
        return encoded

    def encode_values(self, person: Identity) -> dict[str, object]:
        """``encode`` without the LSH keys, which ``band_keys`` makes for many records at once."""
        return dict(zip(ENCODED_FIELDS, self.encoded(person), strict=True))

    def encoded(self, person: Identity) -> tuple[bytes, ...]:
        """``encode_values``' values in the order of ``ENCODED_FIELDS``: the same tokens
        and filters as encoding ``clear_features`` field by field (a test holds them to it),
        with what recurs (names, birth dates, attributes) encoded once per distinct value."""
        tokens = self._tokens
        block = tokens["block"]
        given, surnames, document, birth, sex, nationality, dept = person
        dob, dob_swap, birth_tokens = self._birth_tokens[birth]
        keys = blocking_keys(person, {"dob": dob, "dob_swap": dob_swap})
        if given or surnames:
            mask = self._attributes_mask[birth[0] if birth else None, sex, dept]
            for word in given + surnames:
                mask |= self._word_mask[word]
            name = self._filter(mask)
        else:
            name = b""
        return (
            tokens["doc"][document],
            *birth_tokens,
            tokens["sex"][sex],
            tokens["nat"][nationality],
            tokens["dept"][dept],
            tokens[RARE_FIELD][rare_name(person)],
            *(block[keys[f]] for f in BLOCK_FIELDS),
            name,
            self._document_filter[document],
        )

    def header(self) -> dict:
        return {
            "scheme": SCHEME,
            "parameters": self.parameters.as_dict(),
            "key_fingerprint": self.fingerprint,
        }
