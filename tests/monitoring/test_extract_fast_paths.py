"""The pipeline's fast paths find exactly what the plain searches they replace find.

Name finders look words up in a trie of words over one shared split of the text; they must
return the spans of one compiled prefix-tree regex of the same names (what they replaced).
Anchor words come from one Aho-Corasick pass; they must be where repeated ``str.find``
calls put them. Evidence phrases are cut at word bounds found once per text. And the whole
output of ``extract_items`` on real news must not change when the plain searches are
swapped back in.
"""

import json
import re
from pathlib import Path

import pytest

from nanduti.monitoring.extract import facts, gazetteer, language
from nanduti.monitoring.extract.pipeline import extract_items, extract_text

DEVSET = Path(__file__).parents[2] / "benchmarks" / "data" / "monitoring_devset" / "devset.jsonl"
EDGES = [
    "San  Pedro del Paraná y San Pedro; san pedro-del parana, San   Pedro",
    "@facebook /tiktok face book Face-Book facebook.com whatsapp'",
    "Ciudad del Este,Paraguay y Foz do Iguaçu.Brasil; Buenos  Aires, Buenos . Aires",
    "Alto Paraná's Concepción\nMisiones – Argentina’s Misiones; España-Italia",
    "",
]


def _devset_items() -> list[dict]:
    with open(DEVSET, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [row for row in rows if row["split"] == "tune"]


def _texts() -> list[str]:
    return [f"{row['title']}\n{row['text']}" for row in _devset_items()] + EDGES


def _names(node: dict, path: tuple[str, ...] = ()) -> list[str]:
    """Every name of a finder's word trie, its words joined by a space."""
    found = []
    for word, child in node.items():
        if word == gazetteer._END:
            found.append(" ".join(path))
        else:
            found += _names(child, (*path, word))
    return found


def _regex_spans(finder: gazetteer.Finder):
    """The search the finders replaced: the names as one prefix-tree regex."""
    body = gazetteer.trie_pattern(sorted(_names(finder.trie))) or r"(?!x)x"
    regex = re.compile(rf"(?<![\w@/])(?:{body})(?![\w])")
    return lambda folded: [m.span() for m in regex.finditer(folded)]


def _find_loop(text: str, scanner) -> dict[str, list[int]]:
    """The search the anchor scan replaced: ``str.find`` from the end of the last one."""
    found: dict[str, list[int]] = {}
    for anchor in scanner.anchors:
        at = text.find(anchor)
        while at != -1:
            found.setdefault(anchor, []).append(at)
            at = text.find(anchor, at + len(anchor))
    return found


FINDERS = {
    "platform": gazetteer.platform_finder,
    "place": gazetteer.place_finder,
    "country": gazetteer.country_finder,
    "exploitation": facts._exploitation_finder,
}


@pytest.mark.parametrize("name", sorted(FINDERS))
def test_finders_find_what_one_prefix_tree_regex_finds(name):
    finder = FINDERS[name]()
    reference = _regex_spans(finder)
    texts = [gazetteer.fold_keep_length(text) for text in _texts()]
    found = [finder.spans(folded) for folded in texts]
    assert found == [reference(folded) for folded in texts]
    assert sum(map(len, found)) >= 10  # the texts do name things


def test_anchor_scan_finds_what_str_find_finds():
    extract_text("Una adolescente de 15 años fue explotada sexualmente.")  # loads all cues
    scanner = gazetteer._anchor_scanner
    assert len(scanner.anchors) > 200
    overlapping = [  # "tratrat": the second "trat" starts inside the first one
        anchor + anchor[k:] + " " + anchor
        for anchor in scanner.anchors
        for k in range(1, len(anchor))
        if anchor[:k] == anchor[-k:]
    ]
    assert overlapping
    texts = [gazetteer.fold_keep_length(text) for text in _texts()] + overlapping
    assert [scanner.occurrences(t) for t in texts] == [_find_loop(t, scanner) for t in texts]
    found = scanner.occurrences("la trata, la tratante")  # anchors inside anchors count too
    assert (found["trata"], found["tratante"], found["la trata"]) == ([3, 13], [13], [0, 10])


_WORD = re.compile(r"\S+")


def _phrase_by_scan(doc: facts.Doc, start: int, end: int, words: int = 4) -> str:
    """The evidence phrase with its words searched in the sentence at each call."""
    s, e = doc.sentence(start, end)
    lefts = [m.start() for m in _WORD.finditer(doc.text, s, start)]
    rights = [m.end() for m in _WORD.finditer(doc.text, end, e)]
    low = lefts[-words] if len(lefts) >= words else (lefts[0] if lefts else start)
    high = rights[words - 1] if len(rights) >= words else (rights[-1] if rights else end)
    return doc.text[low:high].strip(" ,;\n")


def test_extraction_is_the_same_with_the_plain_searches(monkeypatch):
    items = _devset_items()
    fast = extract_items(items)
    regexes = {id(make()): _regex_spans(make()) for make in FINDERS.values()}
    monkeypatch.setattr(gazetteer.Finder, "spans", lambda self, folded: regexes[id(self)](folded))
    monkeypatch.setattr(gazetteer, "_anchor_occurrences", _find_loop)
    monkeypatch.setattr(facts.Doc, "phrase", _phrase_by_scan)
    plain = extract_items(items)
    assert len(fast) == len(items) > 30
    assert fast == plain
    assert any(out["destination_countries"] for out in fast)


# The language markers as they were written before, with re.IGNORECASE.
_MARKERS_IGNORING_CASE = {
    "gn": re.compile(r"[ĩỹẽũ]|g̃|\w'\w|\b(?:mba|nde|mbo)", re.I),
    "pt": re.compile(r"ção|ções|ões\b|\bnão\b|ã", re.I),
    "es": re.compile(r"ción|ciones\b|ñ|¿|¡", re.I),
    "en": re.compile(r"ing\b|'s\b|\bth", re.I),
}


def test_language_markers_match_as_case_insensitive_ones_on_lower_case_text():
    # The markers' words with each letter in turn replaced by every cased character a
    # lower-cased text can hold (only a cased one can match a letter case by case).
    cased = sorted({c for code in range(0x2FFFF) for c in chr(code).lower() if c.upper() != c})
    words = [
        "ción",
        "ciones",
        "ção",
        "ções",
        "ões",
        "não",
        "ing",
        "'s",
        "th",
        "mba",
        "nde",
        "mbo",
        "ĩ",
        "ỹ",
        "ẽ",
        "ũ",
        "ñ",
    ]
    probes = [f"x {w[:k]}{c}{w[k + 1 :]} x" for w in words for k in range(len(w)) for c in cased]
    samples = [t[: language.SAMPLE_CHARS].lower() for t in _texts()] + probes
    for lang, pattern in language.MARKERS.items():
        old = _MARKERS_IGNORING_CASE[lang]
        assert [pattern.findall(s) for s in samples] == [old.findall(s) for s in samples], lang
    assert language.MARKERS["en"].findall("rısıng ıt'ſ the") == ["ıng", "'ſ", "th"]


def _anchored_before(pattern, anchors, text, limit=3):
    """``anchored_matches`` as session 7 wrote it: windows clipped, then merged and sorted."""
    occurrences = gazetteer._anchor_occurrences(text, gazetteer._anchor_scanner)
    size, windows = len(text), []
    for anchor in anchors:
        for at in occurrences.get(anchor, ()):
            windows.append(
                (
                    max(0, at - gazetteer.ANCHOR_BEFORE),
                    min(size, at + len(anchor) + gazetteer.ANCHOR_AFTER),
                )
            )
    if not windows:
        return []
    windows.sort()
    merged = [list(windows[0])]
    for low, high in windows[1:]:
        if low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    found = {}
    for low, high in merged:
        for match in pattern.finditer(text, low, high):
            if match.end() < high or high == size:
                found.setdefault(match.start(), match)
    kept = []
    for start in sorted(found):
        if not kept or start >= kept[-1].end():
            kept.append(found[start])
            if len(kept) == limit:
                break
    return kept


def test_anchored_matches_are_those_of_clipped_then_merged_windows():
    from nanduti.monitoring.extract import relevance

    searches = [(cue.pattern, cue.needs, relevance.MAX_COUNT) for cue in relevance.cues()]
    c = facts.cues()
    searches += [(c["age"], ("anos", "year"), 50), (c["age_noun"], facts._AGE_NOUNS, 50)]
    anchors = c["exploitation_anchors"]
    searches += [(p, anchors[code], 1) for code, p in c["exploitation_cues"].items()]
    texts = [gazetteer.fold_keep_length(text) for text in _texts()]
    texts += ["trata " * 200, "trata de personas" + " x" * 60 + " trata de personas"]
    found = 0
    for text in texts:
        for pattern, needs, limit in searches:
            new = gazetteer.anchored_matches(pattern, needs, text, limit)
            old = _anchored_before(pattern, needs, text, limit)
            assert [m.span() for m in new] == [m.span() for m in old], (pattern.pattern, text)
            found += len(new)
    assert found > 100


def test_the_models_remembered_word_ngrams_give_the_same_log_odds():
    from nanduti.monitoring.extract.relevance import shipped_model

    model = shipped_model()
    texts = [gazetteer.fold_keep_length(text)[:3000] for text in _texts()]
    remembered = [model.logit(t) for t in texts] + [model.logit(t) for t in texts[:5]]
    known, model.known = model.known, [None] * len(model.known)  # every n-gram made afresh
    try:
        plain = [model.logit(t) for t in texts] + [model.logit(t) for t in texts[:5]]
    finally:
        model.known = known
    assert remembered == plain  # equal floats, not merely close
    assert any(k for k in known)
