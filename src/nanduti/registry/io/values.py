"""Single cell values: dates, whole numbers, lengths, and text a spreadsheet would run as a
formula. Pure functions; every failure is a :class:`CellError` (Spanish / English)."""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext_noop as _

from nanduti.bilingual import Message

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 5000
MAX_CODE = 200
MIN_YEAR = 1900
MAX_AGE = 120
MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
SPANISH_MONTHS = {name: number for number, name in enumerate(MONTHS.split(), start=1)}
SPANISH_MONTHS["setiembre"] = 9  # as Paraguay writes it
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
WHOLE = re.compile(r"^\s*(-?\d+)(?:[.,]0+)?\s*(?:años?|anos?|years?|a)?\s*$", re.IGNORECASE)
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
IN_WORDS = re.compile(r"^(\d{1,2})\s+(?:de\s+)?([a-záéíóú]+)\s+(?:de\s+|del\s+)?(\d{4})$")
DATEPARSER_SETTINGS = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": True}


class CellError(ValueError):
    """``CellError(_("texto con %(placeholders)s"), suggestions, **placeholders)``."""

    def __init__(self, why: str, suggestions: list[str] | None = None, /, **params: object):
        super().__init__(why)
        self.message = Message(why, **params)
        self.suggestions = suggestions or []

    def __str__(self) -> str:
        return str(self.message)


def neutralise_formula(text: str) -> str:
    """What the exporter writes: a leading apostrophe stops a spreadsheet running the cell;
    a plain negative number (CTDC's -99) is data and stays as it is."""
    if text.startswith((*FORMULA_STARTS, "'")) and not NUMBER.match(text):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """What the importer reads: drops the apostrophe the exporter added, nothing else."""
    if len(text) > 1 and text[0] == "'" and text[1] in (*FORMULA_STARTS, "'"):
        return text[1:]
    return text


def neutralised(cells) -> list:
    """A row as every file the product writes holds it: text neutralised, the rest as is."""
    return [neutralise_formula(c) if isinstance(c, str) else c for c in cells]


class SafeCsvWriter:
    """``csv.writer`` whose rows go through :func:`neutralised`."""

    def __init__(self, fh, **options):
        self._writer = csv.writer(fh, **options)

    def writerow(self, cells) -> None:
        self._writer.writerow(neutralised(cells))

    def writerows(self, rows) -> None:
        self._writer.writerows(map(neutralised, rows))


def check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise CellError(
            _("valor demasiado largo (%(length)s caracteres; máximo %(limit)s)"),
            length=len(text),
            limit=limit,
        )


def parse_age(text: str) -> int:
    if not (match := WHOLE.match(text)):
        raise CellError(_("«%(text)s» no es una edad en años"), text=text)
    if not 0 <= (age := int(match.group(1))) <= MAX_AGE:
        raise CellError(
            _("edad imposible: %(age)s (debe estar entre 0 y %(max)s)"), age=age, max=MAX_AGE
        )
    return age


def parse_year(text: str, today: date) -> int:
    year = int(match.group(1)) if (match := WHOLE.match(text)) else 0
    if not MIN_YEAR <= year <= today.year:
        raise CellError(
            _("año imposible: «%(text)s» (entre %(min)s y %(max)s)"),
            text=text,
            min=MIN_YEAR,
            max=today.year,
        )
    return year


@lru_cache(maxsize=4096)
def parse_date(text: str, today: date) -> date:
    """A date between 1900 and today from ISO, dd/mm/yyyy, dd-mm-yy or Spanish words."""
    cleaned = text.strip().lower()
    if match := ISO.match(cleaned):
        year, month, day = map(int, match.groups())
    elif match := DMY.match(cleaned):
        day, month, year = map(int, match.groups())
        if len(match.group(3)) == 2:  # "05" is 2005, "98" is 1998: never in the future
            year += 2000 if 2000 + year <= today.year else 1900
    elif (match := IN_WORDS.match(cleaned)) and match.group(2) in SPANISH_MONTHS:
        day, month, year = int(match[1]), SPANISH_MONTHS[match[2]], int(match[3])
    else:
        import dateparser  # slow to import; only for the uncommon formats

        parsed = dateparser.parse(text, languages=["es", "en"], settings=DATEPARSER_SETTINGS)
        if parsed is None:
            raise CellError(
                _("«%(text)s» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA)"), text=text
            )
        year, month, day = parsed.year, parsed.month, parsed.day
    try:
        result = date(year, month, day)
    except ValueError:
        raise CellError(_("fecha imposible: «%(text)s» (ese día no existe)"), text=text) from None
    if result.year < MIN_YEAR:
        raise CellError(_("fecha anterior a %(min)s: «%(text)s»"), min=MIN_YEAR, text=text)
    if result > today:
        raise CellError(_("fecha futura: «%(text)s»"), text=text)
    return result
