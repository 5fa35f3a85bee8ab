"""Synthetic Paraguayan-style victim records over four institutions, with known truth.

Used by ``linkage_paraguay.py`` and ``linkage_attack.py``. Each invented person is recorded
by one to four institutions (MINNA → Prosecutor → Police → Ministry of Women referral
chains) and now and then twice by the same one; each record is written the way registries
write names in practice (rates are assumptions, chosen to be harsher than the demo's):

* second surname omitted 20 %, surnames swapped 5 %, accents dropped 50 %, capitals 30 %;
* a typo in the name 10 % (substitution, deletion or transposition), a nickname 4 %;
* birth date missing 15 %, day and month swapped 5 % (when both ≤ 12), one part mistyped 4 %;
* cédula recorded for 30 % of records (with dots 50 %), department moved 10 %.

Names and their frequencies: ``data/py_names.toml`` (an assumed Zipf law, see there).
"""

from __future__ import annotations

import random
import tomllib
import unicodedata
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

NAMES = tomllib.loads((Path(__file__).parent / "data" / "py_names.toml").read_text("utf-8"))
INSTITUTIONS = ("MINNA", "FIS", "POL", "MUJER")
NICKNAMES = {"José": "Pepe", "Francisco": "Pancho", "Guadalupe": "Lupe", "Ignacio": "Nacho"}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(slots=True)
class Record:
    institution: str
    reference: str
    full_name: str
    document: str
    birth: str
    sex: str
    nationality: str
    department: str
    person: int  # the truth: which invented person this record is


class Zipf:
    def __init__(self, values: list[str], exponent: float = 0.9) -> None:
        self.values = values
        self.cumulative = list(accumulate(1 / (r + 1) ** exponent for r in range(len(values))))
        self.total = self.cumulative[-1]

    def probability(self, rank: int) -> float:
        previous = self.cumulative[rank - 1] if rank else 0.0
        return (self.cumulative[rank] - previous) / self.total

    def draw(self, rnd: random.Random) -> str:
        return self.values[bisect(self.cumulative, rnd.random() * self.total)]


FEMALE, MALE = Zipf(NAMES["female"]), Zipf(NAMES["male"])
SURNAMES, DEPARTMENTS = Zipf(NAMES["surnames"]), Zipf(NAMES["departments"], 1.2)


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.random()
    if kind < 0.4:
        return word[:i] + rnd.choice(LETTERS) + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _person(rnd: random.Random) -> dict:
    sex = "female" if rnd.random() < 0.8 else "male"
    given = [(FEMALE if sex == "female" else MALE).draw(rnd)]
    if rnd.random() < 0.3:
        second = (FEMALE if sex == "female" else MALE).draw(rnd)
        if second != given[0]:
            given.append(second)
    return {
        "given": given,
        "surnames": [SURNAMES.draw(rnd), SURNAMES.draw(rnd)],
        "birth": (rnd.randint(1975, 2012), rnd.randint(1, 12), rnd.randint(1, 28)),
        "sex": sex,
        "document": str(rnd.randint(1_000_000, 7_999_999)),
        "department": DEPARTMENTS.draw(rnd),
        "nationality": "PY" if rnd.random() < 0.93 else rnd.choice(("AR", "BR", "BO")),
    }


def _as_recorded(p: dict, rnd: random.Random) -> tuple[str, str, str, str]:
    given = [NICKNAMES.get(g, g) if rnd.random() < 0.04 else g for g in p["given"]]
    surnames = list(p["surnames"])
    if rnd.random() < 0.2:
        surnames = surnames[:1]
    elif rnd.random() < 0.05:
        surnames.reverse()
    words = given + surnames
    if rnd.random() < 0.1:
        i = rnd.randrange(len(words))
        words[i] = _typo(words[i], rnd)
    name = " ".join(words)
    if rnd.random() < 0.5:
        name = _plain(name)
    if rnd.random() < 0.3:
        name = name.upper()
    y, m, d = p["birth"]
    birth = ""
    if rnd.random() >= 0.15:
        if d <= 12 and rnd.random() < 0.05:
            m, d = d, m
        elif rnd.random() < 0.04:
            part = rnd.randrange(3)
            y, m, d = (
                y + rnd.choice((-1, 1)) if part == 0 else y,
                rnd.randint(1, 12) if part == 1 else m,
                rnd.randint(1, 28) if part == 2 else d,
            )
        birth = f"{y:04d}-{m:02d}-{d:02d}" if rnd.random() < 0.7 else f"{d:02d}/{m:02d}/{y:04d}"
    document = ""
    if rnd.random() < 0.3:
        document = p["document"]
        if rnd.random() < 0.5:
            document = f"{int(document):,}".replace(",", ".")
    department = DEPARTMENTS.draw(rnd) if rnd.random() < 0.1 else p["department"]
    return name, document, birth, department


def generate(n_records: int, seed: int = 1) -> list[Record]:
    """About ``n_records`` records; the same seed gives the same records."""
    return list(stream(n_records, seed))


def stream(n_records: int, seed: int = 1) -> Iterator[Record]:
    """``generate``'s records one at a time, so a million need not be held at once."""
    rnd = random.Random(f"nanduti-linkage-benchmark/{seed}")
    made = 0
    person = 0
    while made < n_records:
        p = _person(rnd)
        # Referral chains: most persons reach one institution, some two to four.
        reach = rnd.choices((1, 2, 3, 4), weights=(55, 25, 13, 7))[0]
        start = rnd.randrange(4)
        for k in range(reach):
            institution = INSTITUTIONS[(start + k) % 4]
            for _ in range(2 if rnd.random() < 0.05 else 1):  # a duplicate inside one
                if made == n_records:
                    return
                name, document, birth, department = _as_recorded(p, rnd)
                yield Record(
                    institution,
                    f"{institution}-{made:07d}",
                    name,
                    document,
                    birth,
                    p["sex"],
                    p["nationality"],
                    department,
                    person,
                )
                made += 1
        person += 1
