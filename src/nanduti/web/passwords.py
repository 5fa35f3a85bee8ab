"""A password validator against well-known local words with digits or symbols added.

Django's validators refuse short, numeric and internationally common passwords, but not
``Asuncion2024`` or ``nanduti123``: a place, an institution or the product's name with a
year tacked on is the first thing a guesser tries. The words come from the package's own
vocabularies (departments, districts, countries, institutions, platforms) and a shipped
list of common Spanish words (``data/common_words_es.txt``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

from nanduti.taxonomy import vocab
from nanduti.taxonomy.vocab import fold

WORD_LIST = Path(__file__).resolve().parent / "data" / "common_words_es.txt"
VOCABULARIES = ("department", "district", "country", "institution", "platform")
# Fewer letters than this left once digits and symbols are taken away: a number in disguise.
MIN_LETTERS = 4


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text))


@cache
def local_words() -> frozenset[str]:
    words = {
        _letters(line)
        for line in WORD_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for name in VOCABULARIES:
        for term in vocab.get(name).terms:
            for text in (term.code, term.label_es, term.label_en, *term.aliases):
                words.add(_letters(text))
                # "San Pedro del Ycuamandyyu" is also guessed as its last word.
                words.update(_letters(part) for part in fold(text).split())
    return frozenset(w for w in words if w)


class LocalWordsValidator:
    def validate(self, password: str, user=None) -> None:
        letters = _letters(password)
        if len(letters) < MIN_LETTERS or letters in local_words():
            raise ValidationError(
                "La contraseña es una palabra conocida (un lugar, una institución, una palabra "
                "común) con números o signos añadidos / the password is a well-known word "
                "(a place, an institution, a common word) with digits or symbols added.",
                code="password_local_word",
            )

    def get_help_text(self) -> str:
        return (
            "No use nombres de lugares, instituciones ni palabras comunes con números añadidos "
            "/ do not use names of places, institutions or common words with digits added."
        )
