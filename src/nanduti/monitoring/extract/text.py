"""Cleaning an article's text before anything reads it.

Real pages carry lines that are not the story: "Únete a nuestro canal de WhatsApp",
share bars, "Lea también" teasers with other stories' headlines and places. Those lines
would give false platforms and places, so they are removed here, once, for every
extractor. HTML given where text was expected is turned into text; very large documents
are cut with a warning so one bad input cannot stall a batch.
"""

from __future__ import annotations

import html
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MAX_CHARS = 100_000  # ~15,000 words: longer than any news story; beyond it is not an article
TEASER_LINE_MAX = 200  # headlines after a "Más noticias" heading are short lines
TEASER_BLOCK_MAX = 12
# Cross-item boilerplate: a line in ≥ 3 items and ≥ 5 % of one outlet's items in a batch.
REPEAT_MIN_ITEMS = 3
REPEAT_MIN_SHARE = 0.05
REPEAT_LINE_MAX = 200

_HTML_HINT = re.compile(
    r"<\s*(html|body|p|div|br|span|a|article|section|h[1-6]|script|style|li|ul|table)\b[^>]*>",
    re.I,
)
_DROP_TAGS = ("script", "style", "noscript", "nav", "footer", "aside", "form", "iframe", "svg")
_BLOCK_TAGS = re.compile(
    r"<\s*/?\s*(p|div|br|li|h[1-6]|tr|article|section|header|blockquote|figcaption)\b[^>]*>", re.I
)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")


@dataclass
class CleanText:
    text: str
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    was_html: bool = False
    truncated: bool = False


@cache
def _data() -> dict:
    with open(DATA_DIR / "boilerplate.toml", "rb") as fh:
        return tomllib.load(fh)


@cache
def _rules() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    data = _data()
    lines = re.compile("|".join(f"(?:{p})" for p in data["line_patterns"]))
    teasers = re.compile("|".join(f"(?:{p})" for p in data["teaser_headings"]))
    trailing = re.compile("|".join(f"(?:{p})" for p in data["trailing_headings"]))
    return lines, teasers, trailing


@cache
def _reader_rules() -> tuple[re.Pattern, re.Pattern]:
    data = _data()
    address = re.compile("|".join(f"(?:{p})" for p in data["reader_address"]))
    sections = re.compile(rf"\b({'|'.join(data['section_names'])})\b")
    return address, sections


# Menus and breadcrumbs: short items between separators, or runs of spaces left by markup.
_NAV_SEPARATOR = re.compile(r"\s*(?:[·|»•›]|\s[–—/-]\s|\s{2,}|\t)\s*")
_QUOTE = re.compile(r"[\"“”«»]")
NAV_ITEM_WORDS = 5
NAV_LINE_MAX = 300


def is_navigation(raw_line: str) -> bool:
    """A menu or breadcrumb line: ≥ 3 separators between short items, no sentence in it."""
    line = raw_line.strip()
    if len(line) > NAV_LINE_MAX or ". " in line or line.endswith("."):
        return False
    parts = [p for p in _NAV_SEPARATOR.split(line) if p.strip()]
    if len(parts) < 4:
        return False
    return all(len(p.split()) <= NAV_ITEM_WORDS and len(p) <= 40 for p in parts)


def is_section_menu(folded: str, line: str) -> bool:
    """A line of section names ("Inicio Nacionales Deportes Opinión") even once flattened."""
    if line.rstrip().endswith((".", "?", "!")) or len(line) > NAV_LINE_MAX:
        return False
    _, sections = _reader_rules()
    return len(sections.findall(folded)) >= 3


def addresses_reader(folded: str, line: str) -> bool:
    """The outlet speaking to its reader ("Escribinos al WhatsApp de la redacción").

    A quotation before the cue means someone in the story is speaking (a recruiter's
    message quoted by the reporter), so the line is kept.
    """
    address, _ = _reader_rules()
    found = address.search(folded)
    if not found:
        return False
    quote = _QUOTE.search(line)
    return not (quote and quote.start() <= found.start())


def looks_like_html(text: str) -> bool:
    return len(_HTML_HINT.findall(text[:20_000])) >= 2


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment or page, one block per line."""
    try:
        import lxml.html

        root = lxml.html.fromstring(markup)
        for bad in root.iter(*_DROP_TAGS):
            bad.drop_tree()
        for block in root.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "article"):
            block.tail = "\n" + (block.tail or "")
            if block.tag != "br":
                block.text = "\n" + (block.text or "")
        text = root.text_content()
    except Exception:  # malformed markup: a plain tag strip is still better than nothing
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.I | re.S)
        text = _TAG.sub(" ", _BLOCK_TAGS.sub("\n", text))
        text = html.unescape(text)
    return text


_NOT_WORD = re.compile(r"[\W_]+")


def _fold_line(line: str) -> str:
    """Same result as ``vocab.fold`` for a line, but with C-speed steps."""
    from .gazetteer import fold_keep_length

    return _NOT_WORD.sub(" ", fold_keep_length(line)).strip()


def drop_boilerplate(
    lines: list[str], repeated: frozenset[str] | set[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """Keep the story's lines; return (kept, dropped).

    ``repeated`` holds lines seen verbatim in many items of the same batch and outlet
    (see :func:`repeated_lines`): page furniture, whatever words it uses.
    """
    line_rule, teaser_rule, trailing_rule = _rules()
    kept: list[str] = []
    dropped: list[str] = []
    in_teasers = 0
    for at, line in enumerate(lines):
        short = len(line) < TEASER_LINE_MAX
        folded = _fold_line(line) if short else ""  # long lines are folded only in teasers
        if short and trailing_rule.search(folded):
            dropped.extend(lines[at:])  # the section's other stories, to the end
            break
        if repeated and line in repeated:
            dropped.append(line)
            continue
        if not short and not in_teasers:
            kept.append(line)  # a paragraph of the story: no boilerplate rule applies
            continue
        if not short:
            folded = _fold_line(line)
        if in_teasers:
            if len(line) < TEASER_LINE_MAX and not line.rstrip().endswith((".", ":")):
                dropped.append(line)
                in_teasers -= 1
                continue
            in_teasers = 0
        if teaser_rule.search(folded):
            dropped.append(line)
            in_teasers = TEASER_BLOCK_MAX
            continue
        if len(line) < 300 and (
            line_rule.search(folded)
            or addresses_reader(folded, line)
            or is_section_menu(folded, line)
        ):
            dropped.append(line)
            continue
        kept.append(line)
    return kept, dropped


def normal_line(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def repeated_lines(
    texts: Iterable[tuple[str | None, str]],
    min_items: int = REPEAT_MIN_ITEMS,
    min_share: float = REPEAT_MIN_SHARE,
) -> dict[str | None, frozenset[str]]:
    """Lines that occur verbatim in many items of one outlet: footers, menus, calls to action.

    ``texts`` are (outlet, text) pairs; items without an outlet form one group. A line counts
    once per item; it is boilerplate for its outlet when at least ``min_items`` items and
    ``min_share`` of that outlet's items carry it. Long lines (story paragraphs that agencies
    syndicate) are never counted.
    """
    counts: dict[str | None, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    seen: set[int] = set()
    for outlet, text in texts:
        if not text or hash((outlet, text)) in seen:
            continue  # the same article twice must not make its own lines look like furniture
        seen.add(hash((outlet, text)))
        totals[outlet] += 1
        lines = {normal_line(line) for line in text.splitlines()}
        counts[outlet].update(line for line in lines if line and len(line) <= REPEAT_LINE_MAX)
    out: dict[str | None, frozenset[str]] = {}
    for outlet, counter in counts.items():
        floor = max(min_items, min_share * totals[outlet])
        common = frozenset(line for line, n in counter.items() if n >= floor)
        if common:
            out[outlet] = common
    return out


def clean(
    text: str | None, max_chars: int = MAX_CHARS, repeated: frozenset[str] = frozenset()
) -> CleanText:
    """Plain story text: HTML removed, boilerplate lines dropped, size bounded."""
    result = CleanText(text="")
    if not text:
        return result
    if len(text) > max_chars * 3:  # cut raw input early so HTML parsing stays bounded too
        text = text[: max_chars * 3]
        result.truncated = True
    if looks_like_html(text):
        text = html_to_text(text)
        result.was_html = True
        result.warnings.append("html_converted: HTML convertido a texto / HTML converted to text")
    text = unicodedata.normalize("NFC", html.unescape(text) if "&" in text else text)
    lines: list[str] = []
    navigation: list[str] = []
    for raw in text.splitlines():
        line = normal_line(raw)
        if line:
            (navigation if is_navigation(raw) else lines).append(line)
    kept, dropped = drop_boilerplate(lines, repeated)
    result.dropped = navigation + dropped
    body = "\n".join(kept)
    if len(body) > max_chars:
        original = len(body)
        body = body[:max_chars]
        cut = body.rfind("\n")
        if cut > max_chars * 0.8:
            body = body[:cut]
        result.truncated = True
        result.warnings.append(
            f"truncated: texto recortado de {original} a {len(body)} caracteres / "
            f"text truncated from {original} to {len(body)} characters"
        )
    elif result.truncated:
        result.warnings.append(
            f"truncated: texto recortado a {max_chars * 3} caracteres antes de limpiar / "
            f"text truncated to {max_chars * 3} characters before cleaning"
        )
    result.text = body
    return result


def article_body(title: str, text: str) -> str:
    """Title and text as every reader sees them: the title as a first sentence."""
    title = (title or "").strip()
    return f"{title}.\n{text}" if title else text
