"""Normalising the identifiers of a victim record before they are encoded or compared.

Pure functions. Institutions write the same person differently: with or without accents,
in capitals, with one surname or both and in either order, a compound given name as one
word or two, a nickname, a cédula with dots, a birth date in any of several formats.
Normalisation removes the differences that carry no identity; what remains (typos, a
surname left out, day and month swapped) is left to the fuzzy comparisons.

The name variants live in ``data/names.toml`` (source and licence there).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

NAMES_PATH = Path(__file__).resolve().parent / "data" / "names.toml"
_NOT_LETTER = re.compile(r"[^a-z]+")
_NOT_DIGIT = re.compile(r"\D+")
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)
SEXES = frozenset({"female", "male"})
# A document number shorter than this is a placeholder ("0", "1"), not an identifier.
MIN_DOCUMENT_DIGITS = 4


@dataclass(frozen=True, slots=True)
class Names:
    variants: dict[str, tuple[str, ...]]
    given: frozenset[str]
    particles: frozenset[str]


@cache
def names_data() -> Names:
    data = tomllib.loads(NAMES_PATH.read_text(encoding="utf-8"))
    return Names(
        variants={k: tuple(v.split()) for k, v in data["nicknames"].items()},
        given=frozenset(data["given"]["names"]),
        particles=frozenset(data["particles"]["words"]),
    )


class Identity(NamedTuple):
    """A victim's identifiers after normalisation; empty string or None where unknown.
    Immutable; a named tuple rather than a frozen dataclass because it is made once per
    record and a frozen dataclass took twice as long to make (session 7)."""

    given: tuple[str, ...]  # given names, nicknames folded
    surnames: tuple[str, ...]  # in the order written
    document: str  # digits only
    birth: tuple[int, int, int] | None  # (year, month, day)
    sex: str
    nationality: str
    department: str

    @property
    def has_identifier(self) -> bool:
        """False when nothing could tell this person from another (kept as their own person)."""
        return bool(self.given or self.surnames or self.document or self.birth)


def fold(text: str) -> str:
    """Lower case, accents removed, anything but letters a-z turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_LETTER.sub(" ", plain.replace("ñ", "n")).strip()


def name_words(full_name: str) -> list[str]:
    """The words of a name, folded, particles dropped, nicknames and joined compounds expanded."""
    words: list[str] = []
    for written in full_name.split():
        words.extend(_written_word(written))
    return words


@lru_cache(maxsize=1 << 16)
def _written_word(written: str) -> tuple[str, ...]:
    """``name_words`` of one whitespace-free piece of a name. Folding works character by
    character (``fold``: accents dropped, anything but a-z a separator), so the words of a
    name are those of its pieces, one after another; a registry's names are made of a few
    thousand pieces, each folded once (session 7: a million records, 36 µs → 5 µs)."""
    data = names_data()
    words: list[str] = []
    for word in fold(written).split():
        if word not in data.particles:
            words.extend(data.variants.get(word, (word,)))
    return tuple(words)


def split_name(full_name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(given names, surnames) of a full name written "given names, then surnames".

    Paraguayans carry two surnames (father's, then mother's) and often a compound given
    name; registries hold one text. Four or more words: two given names. Three: the second
    is a given name only if it is a known one ("María José Benítez"), otherwise a surname
    ("Ana Benítez Ortiz"). Two: one of each.
    """
    words = name_words(full_name)
    if len(words) <= 1:
        return tuple(words), ()
    if len(words) >= 4 or (len(words) == 3 and words[1] in names_data().given):
        return tuple(words[:2]), tuple(words[2:])
    return tuple(words[:1]), tuple(words[1:])


def document_digits(value: str) -> str:
    if not value:
        return ""  # most victims' records have no document
    digits = _NOT_DIGIT.sub("", value)
    placeholder = len(digits) < MIN_DOCUMENT_DIGITS or not digits.strip("0")
    return "" if placeholder else digits


def birth_date(value: str) -> tuple[int, int, int] | None:
    """(year, month, day) of an ISO, dd/mm/yyyy or yyyymmdd date; None when not a real date."""
    return _birth_date((value or "").strip())


@lru_cache(maxsize=1 << 16)  # some tens of thousands of birth dates recur in a registry
def _birth_date(text: str) -> tuple[int, int, int] | None:
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            y, m, d = (int(found[k]) for k in "ymd")
            try:
                date(y, m, d)
            except ValueError:
                return None
            return y, m, d
    return None


# Codes that say nothing about the person (the registry's "unknown" / "not asked").
NO_VALUE = frozenset({"", "unknown", "not_asked"})


@lru_cache(maxsize=1 << 10)  # a few dozen codes
def code(value: str) -> str:
    text = (value or "").strip().lower()
    return "" if text in NO_VALUE else text


def identity(
    full_name: str = "",
    document: str = "",
    birth: str = "",
    sex: str = "",
    nationality: str = "",
    department: str = "",
) -> Identity:
    given, surnames = split_name(full_name or "")
    sex_code = code(sex)
    return Identity(
        given=given,
        surnames=surnames,
        document=document_digits(document),
        birth=birth_date(birth),
        sex=sex_code if sex_code in SEXES else "",
        nationality=code(nationality),
        department=code(department),
    )
