"""Pure access to the reference vocabularies in ``taxonomy/data``.

Every coded field of Ñandutí takes a code from one vocabulary, plus the two special
codes ``unknown`` (asked, not known) and ``not_asked`` (deliberately not asked, so a
survivor is never forced to answer). Values from spreadsheets and texts are mapped to
codes by :meth:`Vocabulary.normalize`: exact code or label, then aliases, all folded
for case and accents, then a fuzzy match above a threshold that is reported as such.
"""

from __future__ import annotations

import csv
import hashlib
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

DATA_DIR = Path(__file__).resolve().parent / "data"
UNKNOWN = "unknown"
NOT_ASKED = "not_asked"
SPECIAL_CODES = (UNKNOWN, NOT_ASKED)
FUZZY_THRESHOLD = 88.0


def fold(text: str) -> str:
    """Lower-case, strip accents (Ñ→n), collapse punctuation and spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() else " " for c in letters)
    return " ".join(cleaned.split())


@dataclass(frozen=True)
class Term:
    code: str
    label_es: str
    label_en: str
    parent: str = ""
    aliases: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def label(self, language: str = "es") -> str:
        return self.label_en if language.startswith("en") else self.label_es


@dataclass(frozen=True)
class Match:
    code: str
    method: str  # "exact", "alias", "fuzzy" or "special"
    score: float = 100.0
    matched: str = ""


SPECIAL_TERMS = (
    Term(
        UNKNOWN, "Desconocido", "Unknown", aliases=("desconocido", "no se sabe", "s/d", "sd", "nd")
    ),
    Term(NOT_ASKED, "No preguntado", "Not asked", aliases=("no preguntado", "no consultado")),
)


class Vocabulary:
    def __init__(self, name: str, meta: dict, terms: list[Term], sha256: str):
        self.name = name
        self.meta = meta
        self.version: str = meta.get("version", "")
        self.sha256 = sha256
        self.terms = terms
        self.by_code = {t.code: t for t in terms}
        self._index: dict[str, str] = {}
        for term in (*SPECIAL_TERMS, *terms):
            for key in (term.code, term.label_es, term.label_en):
                self._index.setdefault(fold(key), term.code)
        alias_index: dict[str, str] = {}
        for term in (*SPECIAL_TERMS, *terms):
            for alias in term.aliases:
                alias_index.setdefault(fold(alias), term.code)
        self._alias_index = alias_index
        self._fuzzy_keys = list({**alias_index, **self._index})
        self._fuzzy_codes = [{**alias_index, **self._index}[k] for k in self._fuzzy_keys]

    def __contains__(self, code: str) -> bool:
        return code in self.by_code or code in SPECIAL_CODES

    def __iter__(self):
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, code: str) -> Term | None:
        if code in SPECIAL_CODES:
            return SPECIAL_TERMS[SPECIAL_CODES.index(code)]
        return self.by_code.get(code)

    def label(self, code: str, language: str = "es") -> str:
        term = self.get(code)
        return term.label(language) if term else code

    def children(self, parent_code: str) -> list[Term]:
        return [t for t in self.terms if t.parent == parent_code]

    def normalize(self, value: str, fuzzy: bool = True) -> Match | None:
        """Map a free value to a code, or None when nothing is close enough."""
        key = fold(value or "")
        if not key:
            return None
        if key in self._index:
            code = self._index[key]
            return Match(code, "special" if code in SPECIAL_CODES else "exact", 100.0, value)
        if key in self._alias_index:
            return Match(self._alias_index[key], "alias", 100.0, value)
        if not fuzzy or len(key) < 4:
            return None
        best = process.extractOne(
            key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD
        )
        if best is None:
            return None
        return Match(self._fuzzy_codes[best[2]], "fuzzy", float(best[1]), value)

    def suggestions(self, value: str, limit: int = 3) -> list[str]:
        """Closest codes for an error message."""
        found = process.extract(fold(value or ""), self._fuzzy_keys, scorer=fuzz.WRatio, limit=10)
        codes: list[str] = []
        for _key, _score, index in found:
            code = self._fuzzy_codes[index]
            if code not in codes:
                codes.append(code)
        return codes[:limit]


@cache
def manifest() -> dict[str, dict]:
    with open(DATA_DIR / "vocabularies.toml", "rb") as fh:
        return tomllib.load(fh)


def names() -> list[str]:
    return list(manifest())


@cache
def get(name: str) -> Vocabulary:
    """The vocabulary ``name`` as declared in ``data/vocabularies.toml``."""
    meta = manifest()[name]
    path = DATA_DIR / meta["file"]
    raw = path.read_bytes()
    terms = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row.pop("code").strip()
            if not code or code.startswith("#"):
                continue
            aliases = tuple(
                a.strip() for a in (row.pop("aliases", "") or "").split("|") if a.strip()
            )
            terms.append(
                Term(
                    code=code,
                    label_es=row.pop("label_es").strip(),
                    label_en=row.pop("label_en").strip(),
                    parent=(row.pop("parent", "") or "").strip(),
                    aliases=aliases,
                    extra={k: v for k, v in row.items() if v not in (None, "")},
                )
            )
    return Vocabulary(name, meta, terms, hashlib.sha256(raw).hexdigest())
