"""A frequency attack on Ñandutí's own linkage encodings: what share of records gives
away a name?

    python benchmarks/linkage_attack.py [--n 100000] [--top 100] [--scheme current|field]
        [--view files|table]

The attacker holds the encoded records (as the linkage operator or a thief of an encoded
file would) and knows how they are built (the scheme is public) but not the key, and knows
the population's name frequencies exactly: the public list is drawn from the very generator
that made the records (``linkage_records``, another seed) — a stronger attacker than any
real public surname list allows.

For every encoded column that depends on a name or an initial (Bloom filters, blocking
tokens, the rare-name token, each LSH band) the attack sorts the encodings by frequency
and gives the ``--top`` most frequent ones the values of the same frequency rank in a
public list (frequency alignment, Kuzu, Kantarcioglu, Durham & Malin 2011, "A constraint
satisfaction cryptanalysis of Bloom filters in privacy-preserving record linkage", PETS),
then guesses, for each, the most frequent (first given name, surnames) behind that public value. The
public list is built for several constructions the attacker might try — the column's own
clear value when the attacker can compute it without the key, the full name, the full name
with the department, with the birth year, the first given name, the surnames — and the
construction that re-identifies most records is kept for each column (the attacker cannot
know which is best; we choose it with the truth, so this over-states the attack).

``--view files`` (the default) attacks what the linkage operator of a federated linkage
holds: the four institutions' encoded files, each written by ``nanduti.linkage.files``
(so withheld as an institution withholds: rare-name tokens shared by more than
``rare_most`` of its records, band values shared by more than ``band_most``), read back
and put together — a value kept in every file may be held by four times as many records
in all. ``--view table`` attacks the central linkage table instead
(``pipeline.features_table``: withheld over all the records at the linker's own rules).
A withheld band is no value to align; which bands of a record were withheld (a pattern
that says its name is common) is attacked as a column of its own, and so are the connected
components of records joined by a shared band value (``components``: what LSH blocking
puts together, closed transitively), a graph variant that no single band's frequencies
show.

A record is **re-identified** when the attack learns its first given name and at least one
of its surnames correctly, from any columns together. Bar (issue 9): ≤ 1 % re-identified.
``--scheme field`` attacks the earlier field-level encoding (one filter for the given names,
one for the surnames, name-bearing blocking tokens) rebuilt here in clear — equal values
give equal encodings, so its frequencies are the clear values' frequencies.

Not attempted: pattern-mining attacks on Bloom-filter bit positions (Christen, Ranbaduge,
Vatsalan & Schnell 2018), which learn q-grams from positions set together; see the page.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

from linkage_records import generate  # noqa: E402

from nanduti.linkage import files, pipeline  # noqa: E402
from nanduti.linkage.encoding import (  # noqa: E402
    BAND_FIELD,
    BLOCK_FIELDS,
    RARE_FIELD,
    Encoder,
    Parameters,
    birth_parts,
    clear_features,
    is_withheld,
    qgrams,
)
from nanduti.linkage.normalise import Identity, identity  # noqa: E402

KEY = b"the institutions' secret; the attacker does not have it"


def _identities(records) -> list[Identity]:
    return [
        identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in records
    ]


def _first(p: Identity) -> str:
    return p.given[0] if p.given else ""


def _year(p: Identity) -> str:
    return str(p.birth[0]) if p.birth else ""


def _join(*values: str) -> str:
    return "|".join(values) if all(values) else ""


def _full(p: Identity) -> str:
    return _join(" ".join(p.given), " ".join(sorted(p.surnames)))


# Public constructions the attacker may align a column's frequencies with.
GUESSES = {
    "full name": _full,
    "full name + department": lambda p: _join(_full(p), p.department),
    "full name + birth year": lambda p: _join(_full(p), _year(p)),
    "first given name": _first,
    "surnames": lambda p: " ".join(sorted(p.surnames)),
}


def _surname(p: Identity, i: int) -> str:
    return p.surnames[i] if len(p.surnames) > i else ""


def field_level(p: Identity) -> dict[str, object]:
    """The earlier scheme's name-bearing columns (nanduti-pprl-1), in clear."""
    initial = p.given[0][0] if p.given else ""
    dob = birth_parts(p.birth)["dob"]
    return {
        "given": qgrams(p.given) or None,
        "surname": qgrams(p.surnames) or None,
        "gs1": _join(_first(p), _surname(p, 0), p.department),
        "gs2": _join(_first(p), _surname(p, 1), p.department),
        "sy1": _join(_surname(p, 0), _year(p), initial),
        "sy2": _join(_surname(p, 1), _year(p), initial),
        "ss": _join(*sorted((_surname(p, 0), _surname(p, 1))), initial),
        "di": _join(dob, initial),
    }


def _hashable(value):
    return value if isinstance(value, str | bytes | None) else tuple(sorted(value))


def align(victims, public, encoded_column, public_value, top):
    """Guesses (first given name, surnames) for victims by frequency alignment."""
    names: dict = defaultdict(Counter)
    frequency: Counter = Counter()
    for p in public:
        value = _hashable(public_value(p))
        if value:
            frequency[value] += 1
            names[value][(_first(p), frozenset(p.surnames))] += 1
    ranked = [v for v, _ in frequency.most_common(top)]
    observed = Counter(v for v in encoded_column if v)
    guess = {
        enc: names[ranked[i]].most_common(1)[0][0]
        for i, (enc, _) in enumerate(observed.most_common(len(ranked)))
    }
    return [guess.get(v) if v else None for v in encoded_column]


def best_alignment(victims, public, values, tries, top):
    """(records with both names right, construction, hits) of the construction that
    re-identifies most records of one column; hits are (record, given right, surname right)."""
    best: tuple[int, str, list] = (-1, "", [])
    for label, construction in tries.items():
        guesses = align(victims, public, values, construction, top)
        hits = []
        for i, g in enumerate(guesses):
            if g is None:
                continue
            given = bool(g[0]) and g[0] == _first(victims[i])
            surname = bool(g[1] & set(victims[i].surnames))
            if given or surname:
                hits.append((i, given, surname))
        both = sum(1 for _, a, b in hits if a and b)
        if (both, len(hits)) > (best[0], len(best[2])):
            best = (both, label, hits)
    return best


@dataclass(frozen=True)
class Victim:
    """What ``files.write`` reads of a registry's victim record."""

    institution: str
    case_reference: str
    victim_reference: str
    identity: Identity


def as_files(records, victims: list[Identity], encoder: Encoder) -> list[dict | None]:
    """Each record's features as its institution's encoded file holds them (``files.write``
    then ``files.read``), in the records' order."""
    features: list[dict | None] = [None] * len(records)
    with tempfile.TemporaryDirectory() as folder:
        for code in sorted({r.institution for r in records}):
            mine = [i for i, r in enumerate(records) if r.institution == code]
            path = Path(folder) / f"{code}.csv"
            files.write(
                path,
                code,
                (Victim(code, records[i].reference, "", victims[i]) for i in mine),
                encoder,
            )
            for i, f in zip(mine, files.read(path).features, strict=True):
                features[i] = f
    return features


def as_table(victims: list[Identity], encoder: Encoder) -> list[dict | None]:
    """Each record's features as the central linkage table holds them."""
    table = pipeline.features_table(victims, "encoded", encoder).table
    assert table is not None
    rows = iter(table.select([*BLOCK_FIELDS, "name", RARE_FIELD, BAND_FIELD]).to_pylist())
    return [next(rows) if p.has_identifier else None for p in victims]


def encoded_columns(features: list[dict | None], bands: int) -> dict[str, list]:
    """The name-bearing columns of encoded features (empty values and withheld band
    values as None), and the pattern of withheld bands (None where none is withheld)."""
    columns = {
        c: [(f[c] or None) if f else None for f in features]
        for c in (*BLOCK_FIELDS, "name", RARE_FIELD)
    }
    keys = [f[BAND_FIELD] if f and f[BAND_FIELD] else [None] * bands for f in features]
    for b in range(bands):
        columns[f"band {b}"] = [k[b] if k[b] and not is_withheld(k[b]) else None for k in keys]
    patterns = [tuple(bool(k and is_withheld(k)) for k in row) for row in keys]
    columns["withheld"] = [p if any(p) else None for p in patterns]
    columns["components"] = components([columns[f"band {b}"] for b in range(bands)])
    return columns


def components(bands: list[list]) -> list[int | None]:
    """Each record's connected component in the graph whose edges join records sharing a
    band value (None for a record that shares none): what LSH blocking puts together,
    closed transitively. Namesakes without a birth date chain through different bands into
    one component whose size follows the name's frequency, even where every single bucket
    is small — a graph variant of the frequency attack (in the spirit of Vidanage,
    Ranbaduge, Christen & Schnell 2020, "A graph matching attack on privacy-preserving
    record linkage", CIKM)."""
    parent = list(range(len(bands[0]) if bands else 0))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for column in bands:
        first: dict = {}
        for i, value in enumerate(column):
            if value is not None:
                parent[root(i)] = root(first.setdefault(value, i))
    roots = [root(i) for i in range(len(parent))]
    size = Counter(roots)
    return [r if size[r] > 1 else None for r in roots]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--scheme", choices=("current", "field"), default="current")
    parser.add_argument("--lsh-bits", type=int, default=Parameters().lsh_bits)
    parser.add_argument("--lsh-bands", type=int, default=Parameters().lsh_bands)
    parser.add_argument("--band-most", type=int, default=Parameters().band_most)
    parser.add_argument("--view", choices=("files", "table"), default="files")
    parser.add_argument(
        "--seed",
        type=int,
        default=11,
        help="generator seed of the victims (the public list uses the next one); 11 is the "
        "evaluation seed, tune on another",
    )
    args = parser.parse_args()
    records = generate(args.n, seed=args.seed)
    victims = _identities(records)
    public = _identities(generate(args.n, seed=args.seed + 1))

    columns: dict[str, list] = {}
    own: dict[str, object] = {}  # column → its clear value, when computable without the key
    if args.scheme == "field":
        clear = [field_level(p) for p in victims]
        for c in clear[0]:
            columns[c] = [_hashable(f[c]) for f in clear]
            own[c] = lambda p, c=c: field_level(p)[c]
    else:
        parameters = Parameters(
            lsh_bits=args.lsh_bits, lsh_bands=args.lsh_bands, band_most=args.band_most
        )
        encoder = Encoder(KEY, parameters)
        if args.view == "files":
            features = as_files(records, victims, encoder)
        else:
            features = as_table(victims, encoder)
        columns = encoded_columns(features, parameters.lsh_bands)
        for c in (*BLOCK_FIELDS, "name", RARE_FIELD):
            own[c] = lambda p, c=c: clear_features(p)[c]

    n = len(victims)
    # Chance level: the same attack on every column shuffled across records (the same
    # frequencies, no tie to any name), so lucky guesses are counted as they are above.
    shuffle = random.Random(args.seed).shuffle
    learned = {"attack": ([False] * n, [False] * n), "chance": ([False] * n, [False] * n)}
    for column, values in columns.items():
        tries = dict(GUESSES)
        if column in own:
            tries = {"its own clear value": own[column], **tries}
        shuffled = list(values)
        shuffle(shuffled)
        for kind, attacked in (("attack", values), ("chance", shuffled)):
            both, label, hits = best_alignment(victims, public, attacked, tries, args.top)
            learned_given, learned_surname = learned[kind]
            for i, given, surname in hits:
                learned_given[i] |= given
                learned_surname[i] |= surname
            if kind == "attack":
                print(
                    f"column {column:8s}: best aligned with {label!r}; a name right for "
                    f"{len(hits):,} records, both for {both:,}"
                )
    chance_given, chance_surname = learned["chance"]
    by_chance = sum(1 for g, s in zip(chance_given, chance_surname, strict=True) if g and s)
    print(
        f"by chance (the same attack on the columns shuffled across records): "
        f"{by_chance:,} = {by_chance / n:.2%} re-identified"
    )
    learned_given, learned_surname = learned["attack"]
    both = sum(1 for g, s in zip(learned_given, learned_surname, strict=True) if g and s)
    print(
        f"scheme {args.scheme}, view {args.view}; records {n:,}; "
        f"re-identified (first given name and a surname) "
        f"{both:,} = {both / n:.2%}; given name learned {sum(learned_given) / n:.2%}; "
        f"a surname learned {sum(learned_surname) / n:.2%}"
    )


if __name__ == "__main__":
    main()
