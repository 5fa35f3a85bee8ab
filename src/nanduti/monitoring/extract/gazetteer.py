"""Name finders built once from the taxonomy vocabularies.

Each vocabulary (platforms, departments + districts, countries) becomes ONE trie of the
words of every folded label and alias, looked up over the text's words (split once per text
and shared by all finders); the longest name wins, so "San Pedro del Paraná" beats "San
Pedro" at the same position. The text is folded (lower case, accents removed) without
changing its length, so a match's offsets point straight back into the original text, which
is what the evidence spans quote.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path

import ahocorasick

from nanduti.taxonomy import vocab

from .foreign_places import cldr_country_names, from_rules, portuguese_country_names

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_SEP = r"[ .\-'’]{1,2}"  # between words; the joined spelling is a key of its own


def _fold_char(char: str) -> str:
    base = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    ).lower()
    if len(base) == 1:
        return base
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


_FOLD_TABLE = {
    code: _fold_char(chr(code))
    for code in range(0x41, 0x2100)
    if not unicodedata.combining(chr(code)) and _fold_char(chr(code)) != chr(code)
}
_FOLD_TABLE.update({0x2019: "'", 0x2018: "'"})


def fold_keep_length(text: str) -> str:
    """Lower case without accents, one character for one character."""
    return text.translate(_FOLD_TABLE)


_NON_KEY = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    return _NON_KEY.sub("", fold_keep_length(text))


def trie_pattern(keys: list[str]) -> str:
    """One regex for many folded names, factored by common prefixes (the benchmark's floor
    and the tests' reference for :class:`Finder`).

    Python's ``re`` tries every branch of a flat alternation at every position; a prefix
    tree rejects a position after one character test, which makes a 1,000-name gazetteer
    about as cheap as a single word. Greedy optional tails keep the longest name first
    ("san pedro del parana" before "san pedro"). A space stands for any short separator.
    """
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [
            (_SEP if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else f"(?:{'|'.join(branches)})"
        if len(branches) == 1 and ends:
            body = f"(?:{branches[0]})"
        return body + ("?" if ends else "")

    return build(trie)


@dataclass(frozen=True)
class Entry:
    code: str
    alias: str  # as written in the vocabulary
    kind: str  # "name" (label or alias), "demonym", "foreign_place"
    case: str = "any"  # "any", "capital" (first letter upper) or "upper" ("CDE", "IG")
    needs_context: bool = False


_LOWER_OK = frozenset(
    [
        "departamento",
        "dpto",
        "depto",
        "ciudad",
        "distrito",
        "de",
        "del",
        "la",
        "las",
        "los",
        "el",
        "y",
        "e",
        "da",
        "do",
        "das",
        "dos",
    ]
)


def _capitalised(surface: str) -> bool:
    """Proper-name spelling: every word but connectors starts with a capital."""
    words = re.findall(r"[^\W\d_]+", surface)
    return (
        bool(words)
        and all(w[:1].isupper() or vocab.fold(w) in _LOWER_OK or len(w) < 3 for w in words)
        and any(w[:1].isupper() for w in words)
    )


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    surface: str
    entry: Entry


_WORDS = re.compile(r"(\w+)")  # split keeps the words: gap, word, gap, word, …, gap
_SEPARATORS = frozenset(" .-'’")  # between a name's words, one or two of them ("San  Pedro")
_NOT_BEFORE = frozenset("@/")  # "@facebook", "/tiktok": handles and URL paths are no mention
_END = ""  # marks a name's last word in a word trie (no word is empty)


@dataclass(frozen=True)
class WordRuns:
    """A folded text cut into words (maximal ``\\w`` runs) and the gaps between them."""

    parts: list[str]  # gap, word, gap, word, …, gap: word i is parts[2i + 1]
    ends: list[int]  # offset where each part ends: word i spans ends[2i] to ends[2i + 1]
    words: list[str]


@lru_cache(maxsize=4)
def word_runs(folded: str) -> WordRuns:
    """Computed once per text and shared by every finder: one scan of the text for all the
    vocabularies (the pipeline asks the platform, place, country and exploitation finders
    about the same folded text, one after the other)."""
    parts = _WORDS.split(folded)
    return WordRuns(parts, list(accumulate(map(len, parts))), parts[1::2])


class Finder:
    """Every name of a list of entries found in a text, by dictionary look-ups of its words.

    A name matches whole words, its words separated by one or two of ``_SEPARATORS``; at a
    given word the longest name wins ("San Pedro del Paraná" over "San Pedro"), then the
    search resumes after it. Looking words up in a trie of words costs the same for 20,000
    names as for 20, and building it takes milliseconds (a compiled alternation of the
    country gazetteer took two seconds to compile in every process).
    """

    def __init__(self, entries: list[Entry]):
        self.by_key: dict[str, list[Entry]] = {}
        self.trie: dict[str, dict] = {}  # word → words that may follow it; _END: a name ends
        for entry in entries:
            tokens = vocab.fold(entry.alias).split()
            if not tokens:
                continue
            key = "".join(tokens)
            bucket = self.by_key.setdefault(key, [])
            if all(e.code != entry.code or e.kind != entry.kind for e in bucket):
                bucket.append(entry)
            for words in (tokens, [key]):  # "face book" is also written "facebook"
                node = self.trie
                for word in words:
                    node = node.setdefault(word, {})
                node[_END] = {}

    def spans(self, folded: str) -> list[tuple[int, int]]:
        """(start, end) of every name in the folded text, left to right, none overlapping."""
        runs = word_runs(folded)
        parts, words, trie = runs.parts, runs.words, self.trie
        found: list[tuple[int, int]] = []
        resume = 0
        for i in [i for i, word in enumerate(words) if word in trie]:
            if i < resume or parts[2 * i][-1:] in _NOT_BEFORE:
                continue
            node, size, j = trie[words[i]], 0, i + 1
            if _END in node:
                size = 1
            while j < len(words):
                gap = parts[2 * j]
                if len(gap) > 2 or not _SEPARATORS.issuperset(gap) or words[j] not in node:
                    break
                node = node[words[j]]
                j += 1
                if _END in node:
                    size = j - i
            if size:
                found.append((runs.ends[2 * i], runs.ends[2 * (i + size) - 1]))
                resume = i + size
        return found

    def find(self, text: str, folded: str | None = None) -> list[Hit]:
        folded = fold_keep_length(text) if folded is None else folded
        hits: list[Hit] = []
        for start, end in self.spans(folded):
            surface = text[start:end]
            # the folded slice is the folded surface: folding maps one character to one
            for entry in self.by_key.get(_NON_KEY.sub("", folded[start:end]), ()):
                if entry.case == "upper" and not surface.replace(".", "").isupper():
                    continue
                if entry.case == "capital" and not _capitalised(surface):
                    continue
                if entry.case == "title" and not (surface[:1].isupper() and _capitalised(surface)):
                    continue
                hits.append(Hit(start, end, surface, entry))
        return hits


@cache
def place_rules() -> dict:
    with open(DATA_DIR / "places.toml", "rb") as fh:
        return tomllib.load(fh)


def _short(alias: str) -> bool:
    return len(vocab.fold(alias).replace(" ", "")) <= 3


@cache
def platform_finder() -> Finder:
    entries = []
    for term in vocab.get("platform"):
        ambiguous = {vocab.fold(a) for a in term.extra.get("ambiguous_aliases", "").split("|")}
        label_ambiguous = term.extra.get("monitor_ambiguous", "") == "1"
        for alias in {term.label_es, term.label_en, term.code.replace("_", " "), *term.aliases}:
            folded = vocab.fold(alias)
            if not folded:
                continue
            is_label = alias in (term.label_es, term.label_en)
            context = folded in ambiguous or (label_ambiguous and (is_label or folded in ambiguous))
            if label_ambiguous and not is_label and folded == vocab.fold(term.label_en):
                context = True
            case = "upper" if _short(alias) and (context or alias.isupper()) else "any"
            if case == "upper" and folded == term.code and len(folded) == 3:
                case = "capital"  # a brand's own short name: "via Pix", not only "via PIX"
            entries.append(Entry(term.code, alias, "name", case=case, needs_context=context))
    return Finder(entries)


@cache
def place_finder() -> Finder:
    """Departments and districts together: one pass finds both."""
    rules = place_rules()
    ignore = {vocab.fold(a) for a in rules["ignore_aliases"]}
    context = {vocab.fold(a) for a in rules["context_names"]}
    entries = []
    for name in ("department", "district"):
        for term in vocab.get(name):
            for alias in {term.label_es, *term.aliases}:
                folded = vocab.fold(alias)
                if not folded or folded in ignore:
                    continue
                entries.append(
                    Entry(
                        term.code,
                        alias,
                        name,
                        case="upper" if _short(alias) else "capital",
                        needs_context=folded in context,
                    )
                )
    for alias, code in rules["portuguese_exonyms"].items():
        kind = "district" if "." in code else "department"
        entries.append(Entry(code, alias, kind, case="capital"))
    return Finder(entries)


_EN_DEMONYM = re.compile(r"(ian|ean|ese|ish|ine|ard|ch|eri|ani|qi|ti|ss|ek|ai|wi)$")


def demonym_forms(word: str) -> list[str]:
    """Masculine singular → the four forms ("porteño" → porteña, porteños, porteñas;
    "catarinense" → catarinenses; "espanhol" → espanhola, espanhóis, espanholas)."""
    if word.endswith("o"):
        return [word, word[:-1] + "a", word + "s", word[:-1] + "as"]
    if word.endswith("e") or word.endswith("a"):
        return [word, word + "s"]
    if word.endswith("és"):
        return [word, word[:-2] + "esa", word[:-2] + "eses", word[:-2] + "esas"]
    if word.endswith("ol"):
        return [word, word + "a", word[:-2] + "óis", word + "as"]
    if word.endswith("z") or word.endswith("l"):
        return [word, word + "a", word + "es", word + "as"]
    return [word]


@cache
def country_finder() -> Finder:
    rules = place_rules()
    ignore = {vocab.fold(a) for a in rules["ignore_aliases"]}
    entries = []
    for term in vocab.get("country"):
        alpha3 = term.extra.get("alpha3", "")
        for alias in {term.label_es, term.label_en, *term.aliases}:
            folded = vocab.fold(alias)
            if not folded or folded in ignore or alias == alpha3 or alias == term.code:
                continue
            if "," in alias or " of " in f" {folded} " and folded != vocab.fold(term.label_en):
                continue  # official long forms never occur in news
            demonym = alias[:1].islower() or (
                alias not in (term.label_en, term.label_es)
                and " " not in alias
                and _EN_DEMONYM.search(alias) is not None
            )
            entries.append(
                Entry(
                    term.code,
                    alias,
                    "demonym" if demonym else "name",
                    case="upper" if _short(alias) else ("any" if demonym else "capital"),
                )
            )
    countries = vocab.get("country")
    cldr = cldr_country_names()
    for code in {*portuguese_country_names(), *cldr}:
        if countries.get(code) is None or code == "AQ":
            continue  # CLDR territories the vocabulary lacks ("XK", "EA")
        for name in dict.fromkeys([*portuguese_country_names().get(code, []), *cldr.get(code, [])]):
            if vocab.fold(name) not in ignore:
                entries.append(Entry(code, name, "name", case="capital"))
    for code, words in rules["foreign"]["demonyms"].items():
        for word in words:
            for form in demonym_forms(word):
                if vocab.fold(form) not in ignore:
                    entries.append(Entry(code, form, "demonym", case="any"))
    for candidates in from_rules(rules).values():
        for name, code in candidates:  # likeliest first: the reader relies on that order
            entries.append(Entry(code, name, "foreign_place", case="title"))
    return Finder(entries)


ANCHOR_BEFORE = 100  # a match starts at most this far before the anchor word it contains
ANCHOR_AFTER = 250


class _AnchorScanner:
    """Every occurrence of many anchor words in a text, in one pass of an Aho-Corasick
    automaton (``pyahocorasick``), instead of one ``str.find`` loop per anchor and cue."""

    def __init__(self, anchors: frozenset[str]):
        self.anchors = anchors
        self.automaton = ahocorasick.Automaton()
        for anchor in anchors:
            self.automaton.add_word(anchor, (anchor, len(anchor) - 1))
        if anchors:
            self.automaton.make_automaton()

    def occurrences(self, text: str) -> dict[str, list[int]]:
        """Anchor → its starts, as repeated ``str.find`` calls would give them (an anchor's
        next occurrence is searched after the end of the previous one)."""
        found: dict[str, list[int]] = {}
        if not self.anchors:
            return found
        for end, (anchor, back) in self.automaton.iter(text):
            at = end - back
            starts = found.setdefault(anchor, [])
            if not starts or at >= starts[-1] + len(anchor):
                starts.append(at)
        return found


_anchor_scanner = _AnchorScanner(frozenset())
_registered: set[tuple[str, ...]] = set()  # anchor tuples the scanner already holds


def register_anchors(anchors: Iterable[str]) -> None:
    """Add anchor words to the shared scan (the cue loaders register theirs when they load,
    so the scanner is built once rather than once per new cue)."""
    global _anchor_scanner
    new = frozenset(a for a in anchors if a) - _anchor_scanner.anchors
    if new:
        _anchor_scanner = _AnchorScanner(_anchor_scanner.anchors | new)


@lru_cache(maxsize=4)
def _anchor_occurrences(text: str, scanner: _AnchorScanner) -> dict[str, list[int]]:
    """One scan per text (and scanner) shared by every cue searched in it."""
    return scanner.occurrences(text)


def anchored_matches(
    pattern: re.Pattern, anchors: tuple[str, ...], text: str, limit: int = 3
) -> list[re.Match]:
    """The first ``limit`` matches of ``pattern``, searched only around anchor words.

    Python's ``re`` pays for every branch at every position, so scanning a whole article
    with 30 cue patterns costs milliseconds. Every match of a cue contains one of its
    anchors (plain substrings, found for all cues at once by one shared scan of the text),
    so searching short windows around the anchors finds the same matches as a full scan.
    Patterns start with ``\\b``, so a window never starts a match in the middle of a word.
    """
    if not anchors:
        return list(pattern.finditer(text))[:limit]
    if not isinstance(anchors, tuple):
        anchors = tuple(anchors)
    if anchors not in _registered:  # a cue's anchors are checked once, not at every call
        if not _anchor_scanner.anchors.issuperset(anchors):
            register_anchors(anchors)
        _registered.add(anchors)
    occurrences = _anchor_occurrences(text, _anchor_scanner)
    windows: list[tuple[int, int]] = []
    for anchor in anchors:
        starts = occurrences.get(anchor)
        if starts:
            after = len(anchor) + ANCHOR_AFTER
            windows += [(at - ANCHOR_BEFORE, at + after) for at in starts]
    if not windows:
        return []
    # Overlapping windows are scanned once. They are merged before being clipped to the
    # text: clipping keeps their order and which of them overlap, so the result is the same.
    size = len(text)
    windows.sort()
    merged: list[tuple[int, int]] = []
    low, high = windows[0]
    for start, end in windows:
        if start <= high:
            if end > high:
                high = end
        else:
            merged.append((max(0, low), min(size, high)))
            low, high = start, end
    merged.append((max(0, low), min(size, high)))
    if len(merged) == 1:  # one window: its matches are already leftmost first, no overlaps
        low, high = merged[0]
        kept: list[re.Match] = []
        for match in pattern.finditer(text, low, high):
            if match.end() < high or high == size:
                kept.append(match)
                if len(kept) == limit:
                    break
        return kept
    found: dict[int, re.Match] = {}
    for low, high in merged:
        for match in pattern.finditer(text, low, high):
            if match.end() < high or high == size:
                found.setdefault(match.start(), match)
    kept = []
    for start in sorted(found):  # as a full scan: leftmost first, no overlaps
        if not kept or start >= kept[-1].end():
            kept.append(found[start])
            if len(kept) == limit:
                break
    return kept
