"""Language of a text: Spanish, English, Guaraní or Portuguese.

A small stop-word vote, written by the project (no downloaded model): each language has
frequent function words that the others rarely use, and Guaraní and Portuguese also have
letters and endings of their own (ĩ, ỹ, g̃, "ção", "ões"). Good enough to route a news item
and to say "mixed" when two languages share a text.
"""

from __future__ import annotations

import re

STOPWORDS = {
    "es": (
        "el la los las del de que y en por con para una uno unos unas fue su sus se al lo como "
        "mas pero sin sobre este esta estos estas ese esa entre tambien segun donde cuando "
        "hasta desde muy ya le les fueron habia porque ante tras durante despues son"
    ),
    "en": (
        "the and of to in is was were with that for on by from this these those it its are "
        "be been has have had which who after said but not their they he she his her at as "
        "an will would"
    ),
    "pt": (
        "o os as do da dos das em no na nos nas um uma com para pelo pela pelos pelas que "
        "nao foi sao tambem voce ele ela eles elas mais mas seu sua seus suas ao aos isso "
        "esse essa este esta entre apos segundo ate onde quando ja"
    ),
    "gn": (
        "ha pe ko upe umi oi ore nande che nde ndaje hina avei jepe opa ndive rehe pype "
        "guive peteĩ mokõi mbohapy ndaha ndaipori oĩ oho ou ojapo ohasa heta mba'e mba'eichapa "
        "rupi guasu michi ikatu ndikatui oiko oguereko hikuai ñane ñande"
    ),
}
# Letters and endings that tell a language apart even in short texts. They are searched in
# the lower-cased sample, so they are written in lower case without re.IGNORECASE (which
# makes Python's re compare every character case-insensitively: 1.5-5x slower here); under
# it "i" and "s" also matched the lower-case letters "ı" and "ſ", hence those two classes.
MARKERS = {  # cheap patterns (no leading \w+, which would backtrack on every word)
    "gn": re.compile(r"[ĩỹẽũ]|g̃|\w'\w|\b(?:mba|nde|mbo)"),
    "pt": re.compile(r"ção|çõe[sſ]|õe[sſ]\b|\bnão\b|ã"),
    "es": re.compile(r"c[iı]ón|c[iı]one[sſ]\b|ñ|¿|¡"),
    "en": re.compile(r"[iı]ng\b|'[sſ]\b|\bth"),
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.U)
_WORDS = {lang: frozenset(words.split()) for lang, words in STOPWORDS.items()}
SAMPLE_CHARS = 1500  # the lead decides; reading the whole text would only cost time


_ACCENTS = tuple(zip("áéíóúâêôàç", "aeiouaeoac", strict=True))


def _plain(sample: str) -> str:
    """The sample without the accents the stop-word lists leave out. Ten ``str.replace``
    calls give what ``str.translate`` gives, ~10x faster: with a dict table, ``translate``
    looks every character of a non-ASCII text up one by one."""
    for accented, plain in _ACCENTS:
        if accented in sample:
            sample = sample.replace(accented, plain)
    return sample


_LANG_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in _WORDS.items():
    for _word in _words:
        _LANG_OF[_word] = (*_LANG_OF.get(_word, ()), _lang)
WINDOW = 25  # words per vote when looking for a second language


_SENTENCE = re.compile(r"[.!?\n]+")


def _count(words: list[str]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for word in words:
        for lang in _LANG_OF.get(word, ()):
            counts[lang] = counts.get(lang, 0.0) + 1.0
    return counts


def _votes(sample: str) -> list[dict[str, float]]:
    """Stop-word counts per sentence (long sentences cut into windows of words)."""
    windows = []
    for sentence in _SENTENCE.split(sample):
        words = _WORD.findall(sentence)
        for start in range(0, len(words), WINDOW):
            windows.append(_count(words[start : start + WINDOW]))
    return windows


def scores(text: str) -> dict[str, float]:
    """Share of each language's evidence in the first characters of ``text``."""
    return _scores(text[:SAMPLE_CHARS].lower())[0]


def _scores(sample: str) -> tuple[dict[str, float], str]:
    """(shares, the plain sample) of a lower-cased sample: :func:`detect` reuses
    the plain sample for its per-sentence vote."""
    plain = _plain(sample)
    words = _WORD.findall(plain)
    if not words:
        return {}, plain
    result = dict.fromkeys(_WORDS, 0.0)
    for lang, count in _count(words).items():
        result[lang] += count
    for lang, pattern in MARKERS.items():
        result[lang] += 0.5 * len(pattern.findall(sample))
    total = sum(result.values()) or 1.0
    return {lang: value / total for lang, value in result.items()}, plain


def detect(text: str, mixed_share: float = 0.25) -> str:
    """ISO 639-1 code ("es", "en", "gn", "pt"), "mixed" or "und" (undetermined)."""
    shares, plain = _scores(text[:SAMPLE_CHARS].lower())
    ranked = sorted(shares.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] == 0:
        return "und"
    if ranked[1][1] < 0.2:
        return ranked[0][0]  # no real second language: skip the per-sentence vote
    winners: dict[str, int] = {}
    for window in _votes(plain):
        if window and max(window.values()) >= 2:
            best = max(window, key=window.__getitem__)
            winners[best] = winners.get(best, 0) + 1
    counts = sorted(winners.values(), reverse=True)
    if len(counts) > 1 and counts[1] >= mixed_share * sum(counts):
        return "mixed"
    return ranked[0][0]
