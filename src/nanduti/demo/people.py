"""Invented people: who a victim is, and how each institution writes their name."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(slots=True)
class Person:
    first: str
    surname1: str
    surname2: str
    document: str
    phone: str
    birth: int  # proleptic ordinal of the birth date
    sex: str
    minor: bool
    department: str
    institution: str = ""  # who referred this person
    record_day: int = 0  # when the receiving institution records them


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_as_recorded(person: Person, rnd: Callable[[], float]) -> str:
    """Institutions write the same name differently; linkage must cope."""
    r = rnd()
    if r < 0.15:
        return f"{person.first} {person.surname1}"
    if r < 0.25:
        return _strip_accents(f"{person.first} {person.surname1} {person.surname2}").upper()
    return f"{person.first} {person.surname1} {person.surname2}"


def referred_copy(person: Person, institution: str, day: int) -> Person:
    """The same person as the institution they are referred to will record them."""
    return replace(person, institution=institution, record_day=day)
