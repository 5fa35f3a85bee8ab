"""Pure access to the reference vocabularies in ``taxonomy/data``.

Every coded field of Ñandutí takes a code from one vocabulary, plus the two special
codes ``unknown`` (asked, not known) and ``not_asked`` (deliberately not asked, so a
survivor is never forced to answer). Values from spreadsheets and texts are mapped to
codes by :meth:`Vocabulary.normalize`: exact code or label, then aliases, all folded
for case and accents, then a fuzzy match above a threshold that is reported as such.

Terms added at run time (an analyst adds an emerging platform from the review pages) live in
an **overlay** file beside the instance's data (``$NANDUTI_HOME/var/vocabulary/overlay.json``,
located by :data:`overlay_file`, which the taxonomy app sets from the settings): each added
term records who added it, when, and the vocabulary version it created
(``<file version>+<n>``). The shipped CSV files stay untouched; :func:`get` merges the two.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

DATA_DIR = Path(__file__).resolve().parent / "data"
UNKNOWN = "unknown"
NOT_ASKED = "not_asked"
SPECIAL_CODES = (UNKNOWN, NOT_ASKED)
FUZZY_THRESHOLD = 88.0


class _FoldChars(dict):
    """What each character of a decomposed text becomes: a combining mark nothing, a letter
    or digit itself, anything else a space. Filled as characters are met, so ``str.translate``
    folds a text at C speed (the monitoring gazetteers fold tens of thousands of names)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = "" if unicodedata.combining(char) else char if char.isalnum() else " "
        self[code] = value
        return value


_FOLD_CHARS = _FoldChars()


def fold(text: str) -> str:
    """Lower-case, strip accents (Ñ→n), collapse punctuation and spaces."""
    return " ".join(unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD_CHARS).split())


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
        # folded key -> every code it names, in file order; the first code is the default
        # answer, the others let a caller disambiguate (e.g. "Bella Vista" by department).
        exact: dict[str, list[str]] = {}
        alias: dict[str, list[str]] = {}
        for term in (*SPECIAL_TERMS, *terms):
            for key in {fold(term.code), fold(term.label_es), fold(term.label_en)} - {""}:
                _add(exact, key, term.code)
        for term in (*SPECIAL_TERMS, *terms):
            for key in {fold(a) for a in term.aliases} - {""}:
                if key not in exact:
                    _add(alias, key, term.code)
        self._exact_all = exact
        self._alias_all = alias
        self._index: dict[str, str] = {k: v[0] for k, v in exact.items()}
        self._alias_index: dict[str, str] = {k: v[0] for k, v in alias.items()}
        keys = {**self._alias_index, **self._index}
        self._fuzzy_keys = list(keys)
        self._fuzzy_codes = list(keys.values())

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

    def normalize(self, value: str, fuzzy: bool = True, parent: str | None = None) -> Match | None:
        """Map a free value to a code, or None when nothing is close enough.

        ``parent`` prefers, among terms sharing a name (two districts called "Bella Vista"),
        the one under that parent code; a match under another parent is still returned
        when it is the only one.
        """
        key = fold(value or "")
        if not key:
            return None
        for table, method in ((self._exact_all, "exact"), (self._alias_all, "alias")):
            codes = table.get(key)
            if codes:
                code = self._pick(codes, parent)
                if code in SPECIAL_CODES:
                    method = "special"
                return Match(code, method, 100.0, value)
        if not fuzzy or len(key) < 4:
            return None
        best = process.extractOne(
            key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD
        )
        if best is None:
            return None
        return Match(self._fuzzy_codes[best[2]], "fuzzy", float(best[1]), value)

    def candidates(self, value: str) -> list[str]:
        """Every code whose code, label or alias folds to ``value`` (exact names first)."""
        key = fold(value or "")
        found = [*self._exact_all.get(key, ()), *self._alias_all.get(key, ())]
        return list(dict.fromkeys(found))

    def _pick(self, codes: list[str], parent: str | None) -> str:
        if parent and len(codes) > 1:
            for code in codes:
                term = self.by_code.get(code)
                if term is not None and term.parent == parent:
                    return code
        return codes[0]

    def suggestions(self, value: str, limit: int = 3) -> list[str]:
        """Closest codes for an error message."""
        found = process.extract(fold(value or ""), self._fuzzy_keys, scorer=fuzz.WRatio, limit=10)
        codes: list[str] = []
        for _key, _score, index in found:
            code = self._fuzzy_codes[index]
            if code not in codes:
                codes.append(code)
        return codes[:limit]


def _add(table: dict[str, list[str]], key: str, code: str) -> None:
    codes = table.setdefault(key, [])
    if code not in codes:
        codes.append(code)


@cache
def manifest() -> dict[str, dict]:
    with open(DATA_DIR / "vocabularies.toml", "rb") as fh:
        return tomllib.load(fh)


def names() -> list[str]:
    return list(manifest())


# --- the run-time overlay -------------------------------------------------------------------


def _no_overlay() -> Path | None:
    return None


overlay_file: Callable[[], Path | None] = _no_overlay  # set by TaxonomyConfig.ready()
_listeners: list[Callable[[], None]] = []
_overlay_seen: tuple = ()


def on_change(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever :func:`refresh` finds the overlay changed (parts that cache
    what they built from a vocabulary, e.g. the monitoring name finders, register here)."""
    if callback not in _listeners:
        _listeners.append(callback)


def _overlay_signature() -> tuple:
    path = overlay_file()
    if path is None:
        return ()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (str(path),)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def refresh() -> bool:
    """Forget cached vocabularies if the overlay changed since they were read (a cheap
    ``stat``); returns whether it had. Long-running processes call it before each batch."""
    global _overlay_seen
    signature = _overlay_signature()
    if signature == _overlay_seen:
        return False
    _overlay_seen = signature
    get.cache_clear()
    for callback in _listeners:
        callback()
    return True


def read_overlay() -> dict:
    """{vocabulary: {"base_version", "version", "terms": [...]}} of the added terms."""
    path = overlay_file()
    if path is None or not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def term_code(label: str) -> str:
    """The stable code an added term gets: its folded label, words joined by "_"."""
    return "_".join(fold(label).split())


class TermExists(ValueError):
    """The name is already a code, label or alias of the vocabulary (message es / en)."""


def add_term(
    name: str, label: str, *, parent: str, added_by: str, aliases: tuple[str, ...] = (), note=""
) -> dict:
    """Add a term to vocabulary ``name`` in the overlay; returns the entry written.

    The code is derived from the label; the vocabulary's version becomes
    ``<file version>+<number of added terms>``. Raises :class:`TermExists` when the label or
    an alias already names a term.
    """
    path = overlay_file()
    if path is None:
        raise RuntimeError("overlay_file is not configured")
    label = " ".join(label.split())
    code = term_code(label)
    vocabulary = get(name)
    for value in (label, code, *aliases):
        if vocabulary.candidates(value) or fold(value) in vocabulary._alias_index:
            raise TermExists(
                f"«{value}» ya está en el vocabulario {name} / «{value}» is already in the "
                f"{name} vocabulary"
            )
    data = read_overlay()
    section = data.setdefault(name, {"terms": []})
    section["base_version"] = manifest()[name].get("version", "")
    section["version"] = f"{section['base_version']}+{len(section['terms']) + 1}"
    entry = {
        "code": code,
        "label_es": label,
        "label_en": label,
        "parent": parent,
        "aliases": list(aliases),
        "added_by": added_by,
        "added_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": section["version"],
        "note": note,
    }
    section["terms"].append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".overlay-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)
    refresh()
    return entry


@cache
def get(name: str) -> Vocabulary:
    """The vocabulary ``name`` as declared in ``data/vocabularies.toml``, with the terms added
    to it in the overlay (its version then says how many: ``2026.11.0+2``)."""
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
    added = read_overlay().get(name)
    if added and added.get("terms"):
        meta = {**meta, "version": added["version"], "file_version": meta.get("version", "")}
        known = {t.code for t in terms}
        for entry in added["terms"]:
            if entry["code"] in known:
                continue  # since shipped in the CSV file itself
            terms.append(
                Term(
                    code=entry["code"],
                    label_es=entry["label_es"],
                    label_en=entry["label_en"],
                    parent=entry.get("parent", ""),
                    aliases=tuple(entry.get("aliases", ())),
                    extra={"added_by": entry["added_by"], "added_at": entry["added_at"]},
                )
            )
        raw += json.dumps(added, sort_keys=True).encode()
    return Vocabulary(name, meta, terms, hashlib.sha256(raw).hexdigest())


def age_band(age: int, vocabulary: str = "age_band") -> str:
    """The band (``min_age``–``max_age`` in the vocabulary's data) an exact age falls in."""
    for term in get(vocabulary):
        low, high = term.extra.get("min_age"), term.extra.get("max_age")
        if low is not None and int(low) <= age and (not high or age <= int(high)):
            return term.code
    return ""


@lru_cache(maxsize=1024)  # a band given beside an age, checked on every such row
def band_range(code: str, vocabulary: str = "age_band") -> tuple[int, int] | None:
    """(lowest, highest age) of an age band; None for a code that is no band."""
    term = get(vocabulary).get(code)
    if term is None or "min_age" not in term.extra:
        return None
    return int(term.extra["min_age"]), int(term.extra.get("max_age") or 200)
