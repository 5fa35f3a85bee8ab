"""Column headers as people write them, read from ``data/columns.toml``.

Institutions head the same column «Nº de causa», «N° causa», «Número de la causa» or
«CAUSA»; :func:`header_key` folds such variants to one key (no case, accents,
punctuation, articles, bracketed notes or degree/ordinal signs; number words become
``nro``) and :func:`keys` also gives the key without number words, so «Nº de causa» is
the alias «causa». Labels, explanations and examples of every column live in the same
versioned file, for the template, the import page and messages.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from nanduti.taxonomy.vocab import fold

DATA_FILE = Path(__file__).resolve().parent / "data" / "columns.toml"
ARTICLES = {"de", "del", "la", "el", "los", "las", "of", "the"}
NUMBER_WORDS = {"n", "no", "nro", "nr", "num", "numero", "number", "nos", "nros"}
NUMBER = "nro"
BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def header_key(text: str) -> str:
    """One key for the ways a header is written: «N° de Causa» → ``nro_causa``."""
    unbracketed = BRACKETS.sub(" ", text)
    if fold(unbracketed):
        text = unbracketed  # «Edad (años)» is «Edad»; «(sin título)» stays itself
    # «Nº» and «N.º» would fold to «no» and «n o»: the signs only say "number".
    text = text.replace("º", " ").replace("°", " ").replace("ª", " ")
    words = [w for w in fold(text).split() if w not in ARTICLES]
    return "_".join(NUMBER if w in NUMBER_WORDS else w for w in words)


def keys(text: str) -> list[str]:
    """The header's key, then (if different) the key without number words."""
    key = header_key(text)
    bare = "_".join(w for w in key.split("_") if w != NUMBER)
    return [key] if bare in (key, "") else [key, bare]


@cache
def _data() -> dict:
    with open(DATA_FILE, "rb") as fh:
        return tomllib.load(fh)


def version() -> str:
    return _data()["version"]


def about(name: str) -> dict:
    """The file's entry for column ``name``: label_es/en, help_es/en, example, aliases."""
    return _data()["columns"].get(name, {})


def label(name: str, language: str = "es") -> str:
    entry = about(name)
    return entry.get("label_en" if language.startswith("en") else "label_es", name)


def aliases(name: str) -> tuple[str, ...]:
    return tuple(about(name).get("aliases", ()))
