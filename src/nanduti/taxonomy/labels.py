"""Labels and choices of vocabulary codes in the active language.

The taxonomy data files are being completed while the web runs; a vocabulary whose file
is missing shows its raw codes instead of breaking a page.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import get_language

from nanduti.taxonomy import vocab
from nanduti.taxonomy.vocab import NOT_ASKED, UNKNOWN, Term


@cache
def _vocabulary(name: str):
    try:
        return vocab.get(name)
    except (KeyError, FileNotFoundError):
        return None


def terms(name: str) -> list[Term]:
    v = _vocabulary(name)
    return list(v.terms) if v is not None else []


def is_valid(name: str, code: str) -> bool:
    if not code or code in (UNKNOWN, NOT_ASKED):
        return True
    v = _vocabulary(name)
    # Without its data file a vocabulary cannot reject anything; the model field will.
    return v is None or code in v


def language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


def code_label(name: str, code: str, lang: str | None = None) -> str:
    if not code:
        return ""
    lang = lang or language()
    v = _vocabulary(name)
    if v is None:
        special = {UNKNOWN: ("Desconocido", "Unknown"), NOT_ASKED: ("No preguntado", "Not asked")}
        if code in special:
            return special[code][1 if lang.startswith("en") else 0]
        return code
    return v.label(code, "en" if lang.startswith("en") else "es")


def vocabulary_title(name: str, lang: str | None = None) -> str:
    lang = lang or language()
    try:
        meta = vocab.manifest().get(name, {})
    except FileNotFoundError:
        meta = {}
    return meta.get("label_en" if lang == "en" else "label_es", name)


def special_choices(lang: str | None = None) -> list[tuple[str, str]]:
    lang = lang or language()
    return [(code, code_label("sex", code, lang)) for code in (UNKNOWN, NOT_ASKED)]


def choices(name: str, lang: str | None = None, grouped_by: str = "") -> list:
    """Select choices: blank, the vocabulary's terms, then Unknown and Not asked.

    With ``grouped_by`` (the parent vocabulary) terms are grouped under their parent's label
    (platforms by technology category) as ``<optgroup>``s.
    """
    lang = lang or language()
    blank = [("", "—")]
    items = terms(name)
    if grouped_by:
        groups: dict[str, list[tuple[str, str]]] = {}
        for t in items:
            groups.setdefault(t.parent, []).append((t.code, t.label(lang)))
        body: list = [
            (code_label(grouped_by, parent, lang) or "—", options)
            for parent, options in groups.items()
        ]
    else:
        body = [(t.code, t.label(lang)) for t in items]
    return blank + body + special_choices(lang)


SPECIAL = (UNKNOWN, NOT_ASKED)


def parent_of(name: str, code: str) -> str:
    v = _vocabulary(name)
    term = v.get(code) if v is not None else None
    return term.parent if term is not None else ""


def in_language(text: str, lang: str | None = None) -> str:
    """The Spanish or English half of a bilingual «es / en» label (model choices)."""
    text = str(text)
    if " / " not in text:
        return text
    es, en = text.split(" / ", 1)
    return en if (lang or language()) == "en" else es
