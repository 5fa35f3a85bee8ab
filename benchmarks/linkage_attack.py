"""A frequency attack on Ñandutí's own linkage encodings: what share of records gives
away a name?

    python benchmarks/linkage_attack.py [--n 100000] [--top 100] [--scheme current|field]

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
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

from linkage_records import generate  # noqa: E402

from nanduti.linkage.encoding import (  # noqa: E402
    BAND_FIELD,
    BLOCK_FIELDS,
    BLOOM_FIELDS,
    RARE_FIELD,
    Encoder,
    Parameters,
    birth_parts,
    clear_features,
    qgrams,
    suppress_common,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--scheme", choices=("current", "field"), default="current")
    parser.add_argument("--lsh-bits", type=int, default=Parameters().lsh_bits)
    parser.add_argument("--lsh-bands", type=int, default=Parameters().lsh_bands)
    parser.add_argument(
        "--seed",
        type=int,
        default=11,
        help="generator seed of the victims (the public list uses the next one); 11 is the "
        "evaluation seed, tune on another",
    )
    args = parser.parse_args()
    victims = _identities(generate(args.n, seed=args.seed))
    public = _identities(generate(args.n, seed=args.seed + 1))

    columns: dict[str, list] = {}
    own: dict[str, object] = {}  # column → its clear value, when computable without the key
    if args.scheme == "field":
        clear = [field_level(p) for p in victims]
        for c in clear[0]:
            columns[c] = [_hashable(f[c]) for f in clear]
            own[c] = lambda p, c=c: field_level(p)[c]
    else:
        encoder = Encoder(KEY, Parameters(lsh_bits=args.lsh_bits, lsh_bands=args.lsh_bands))
        encoded = [encoder.encode(p) if p.has_identifier else None for p in victims]
        for c in (*BLOCK_FIELDS, *BLOOM_FIELDS):
            if c == "document":
                continue  # digits of the cédula: no name
            columns[c] = [e[c] if e else None for e in encoded]
            own[c] = lambda p, c=c: clear_features(p)[c]
        # The rare-name token as a file of all the victims would hold it: withheld where
        # more than rare_most records share it.
        tokens = [e[RARE_FIELD] if e else None for e in encoded]
        columns[RARE_FIELD] = suppress_common(tokens, encoder.parameters.rare_most)
        own[RARE_FIELD] = lambda p: clear_features(p)[RARE_FIELD]
        for b in range(encoder.parameters.lsh_bands):
            columns[f"band {b}"] = [
                e[BAND_FIELD][b] if e and e[BAND_FIELD] else None for e in encoded
            ]

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
        f"scheme {args.scheme}; records {n:,}; re-identified (first given name and a surname) "
        f"{both:,} = {both / n:.2%}; given name learned {sum(learned_given) / n:.2%}; "
        f"a surname learned {sum(learned_surname) / n:.2%}"
    )


if __name__ == "__main__":
    main()
