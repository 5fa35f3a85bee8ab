"""Parsing single cell values: dates, whole numbers, formula-looking text, lengths.

Pure functions; every failure is a :class:`CellError` with a Spanish / English message.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from functools import lru_cache

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 5000
MAX_CODE = 200
MIN_YEAR = 1900
MAX_AGE = 120

SPANISH_MONTHS = {
    "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "agosto": 8,
    "septiembre": 9,
    "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "diciembre": 12,
}


class CellError(ValueError):
    def __init__(self, message_es: str, message_en: str, suggestions: list[str] | None = None):
        super().__init__(f"{message_es} / {message_en}")
        self.message_es = message_es
        self.message_en = message_en
        self.suggestions = suggestions or []


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def neutralise_formula(text: str) -> str:
    """What the exporter writes: a leading apostrophe stops a spreadsheet running the cell.

    A plain negative number (CTDC's -99) is data, not a formula, and stays as it is.
    """
    if text and (text.startswith(FORMULA_STARTS) or text.startswith("'")):
        if _NUMBER.match(text):
            return text
        return "'" + text
    return text


def neutralised(cells) -> list:
    """A row as every file the product writes holds it: text cells neutralised (see
    :func:`neutralise_formula`), numbers and empty cells as they are."""
    return [neutralise_formula(c) if isinstance(c, str) else c for c in cells]


class SafeCsvWriter:
    """``csv.writer`` whose rows go through :func:`neutralised`: a CSV the product writes
    never holds a cell a spreadsheet would run."""

    def __init__(self, fh, **options):
        self._writer = csv.writer(fh, **options)

    def writerow(self, cells) -> None:
        self._writer.writerow(neutralised(cells))

    def writerows(self, rows) -> None:
        self._writer.writerows(map(neutralised, rows))


def unneutralise(text: str) -> str:
    """What the importer reads: drops the apostrophe the exporter added, nothing else."""
    if len(text) > 1 and text[0] == "'" and (text[1] in "=+-@\t\r'"):
        return text[1:]
    return text


def check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise CellError(
            f"valor demasiado largo ({len(text)} caracteres; máximo {limit})",
            f"value too long ({len(text)} characters; at most {limit})",
        )


_INT = re.compile(r"^\s*(-?\d+)(?:[.,]0+)?\s*(?:años?|anos?|years?|a)?\s*$", re.IGNORECASE)


def parse_age(text: str) -> int:
    match = _INT.match(text)
    if not match:
        raise CellError(
            f"«{text}» no es una edad en años", f"«{text}» is not an age in whole years"
        )
    age = int(match.group(1))
    if age < 0 or age > MAX_AGE:
        raise CellError(
            f"edad imposible: {age} (debe estar entre 0 y {MAX_AGE})",
            f"impossible age: {age} (must be between 0 and {MAX_AGE})",
        )
    return age


def parse_year(text: str, today: date) -> int:
    match = _INT.match(text)
    year = int(match.group(1)) if match else None
    if year is None or not MIN_YEAR <= year <= today.year:
        raise CellError(
            f"año imposible: «{text}» (entre {MIN_YEAR} y {today.year})",
            f"impossible year: «{text}» (between {MIN_YEAR} and {today.year})",
        )
    return year


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_SPANISH = re.compile(r"^(\d{1,2})\s+(?:de\s+)?([a-záéíóú]+)\s+(?:de\s+|del\s+)?(\d{4})$")


def _two_digit_year(year: int, today: date) -> int:
    # "05" is 2005, "98" is 1998: a two-digit year never lies in the future.
    full = 2000 + year
    return full if full <= today.year else 1900 + year


def _build(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            f"fecha imposible: «{text}» (ese día no existe)",
            f"impossible date: «{text}» (no such day)",
        ) from None


@lru_cache(maxsize=4096)
def _parse_date_cached(text: str, today: date) -> date:
    cleaned = text.strip().lower()
    if match := _ISO.match(cleaned):
        y, m, d = (int(g) for g in match.groups())
        return _build(y, m, d, text)
    if match := _DMY.match(cleaned):
        d, m, y = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            y = _two_digit_year(y, today)
        return _build(y, m, d, text)
    if (match := _SPANISH.match(cleaned)) and match.group(2) in SPANISH_MONTHS:
        return _build(
            int(match.group(3)), SPANISH_MONTHS[match.group(2)], int(match.group(1)), text
        )
    import dateparser  # slow to import; only for the uncommon formats

    parsed = dateparser.parse(
        text,
        languages=["es", "en"],
        settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": True},
    )
    if parsed is None:
        raise CellError(
            f"«{text}» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA)",
            f"«{text}» is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        )
    return parsed.date()


def parse_date(value: str | date | datetime, today: date) -> date:
    """A date between 1900 and today from ISO, dd/mm/yyyy, dd-mm-yy or Spanish words."""
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    else:
        result = _parse_date_cached(value, today)
    if result.year < MIN_YEAR:
        raise CellError(
            f"fecha anterior a {MIN_YEAR}: «{value}»", f"date before {MIN_YEAR}: «{value}»"
        )
    if result > today:
        raise CellError(f"fecha futura: «{value}»", f"date in the future: «{value}»")
    return result
