"""``vocab.fold`` folds by a translation table; it must equal the definition it spells out:
NFKD of the case-folded text, combining marks dropped, anything but letters and digits a
space, spaces collapsed."""

import sys
import unicodedata

from nanduti.taxonomy import vocab


def _by_definition(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in letters).split())


def test_fold_by_table_equals_the_definition_on_every_character():
    chars = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF]
    assert vocab.fold("".join(chars)) == _by_definition("".join(chars))
    assert [vocab.fold(c) for c in chars[::97]] == [_by_definition(c) for c in chars[::97]]


def test_fold_examples():
    assert vocab.fold("  Ñandutí — São Paulo,  ASUNCIÓN ") == "nanduti sao paulo asuncion"
    assert vocab.fold("Straße ǅ ﬁ") == "strasse dz fi"
    assert vocab.fold("mba'e") == "mba e"
