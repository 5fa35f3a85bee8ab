"""The date of the event an article reports, relative to its publication date.

News leads say "el pasado martes", "ayer", "el 3 de marzo": the common forms are read by
fast regular expressions, "last week/month" by date arithmetic; ``dateparser`` (slow) reads
only unusual publication dates.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, timedelta

LEAD_CHARS = 1500  # the event date is in the lead; later dates are background
MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "january": 1, "february": 2, "march": 3, "april": 4, "may": 5,
    "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12,
}  # fmt: skip
WEEKDAYS = {
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5,
    "domingo": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip
NUMBERS = {"un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
           "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "a": 1, "one": 1, "two": 2,
           "three": 3}  # fmt: skip
_MONTH = "|".join(MONTHS)
_DAY = "|".join(WEEKDAYS)
_NUMBER = "|".join(NUMBERS)

PATTERNS = [
    ("absolute", re.compile(
        rf"\b(?:(?:{_DAY}),?\s+)?(\d{{1,2}})(?:\s+de|º|°)?\s+(?:de\s+)?({_MONTH})"
        rf"(?:\s+(?:de|del)?\s*(\d{{4}}))?\b")),
    ("absolute_en", re.compile(
        rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")),
    ("numeric", re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")),
    ("yesterday", re.compile(r"\b(ayer|anoche|yesterday|last night)\b")),
    ("day_before", re.compile(r"\b(anteayer|antes de ayer|antenoche)\b")),
    ("today", re.compile(r"\b(hoy|esta madrugada|esta manana|esta tarde|this morning|today)\b")),
    ("weekday", re.compile(
        rf"\b(?:el\s+)?(?:(pasado|ultimo|este|last|on)\s+)?({_DAY})(?:\s+(pasado|ultimo))?\b")),
    ("ago", re.compile(rf"\bhace\s+(\d+|{_NUMBER})\s+(dias?|semanas?|mes(?:es)?|anos?)\b")),
    ("ago_en", re.compile(rf"\b(\d+|{_NUMBER})\s+(days?|weeks?|months?|years?)\s+ago\b")),
    ("other", re.compile(r"\b(la semana pasada|el mes pasado|last week|last month)\b")),
]  # fmt: skip


# Words one of which each pattern's matches contain: a pattern is tried only when the
# lead holds one of them (``in`` is much faster than a regex scan).
ANCHORS = {
    "absolute": tuple(MONTHS),
    "absolute_en": tuple(MONTHS),
    "numeric": ("/",),
    "yesterday": ("ayer", "anoche", "yesterday", "last night"),
    "day_before": ("anteayer", "antes de ayer", "antenoche"),
    "today": ("hoy", "esta madrugada", "esta manana", "esta tarde", "this morning", "today"),
    "weekday": tuple(WEEKDAYS),
    "ago": ("hace ",),
    "ago_en": (" ago",),
    "other": ("pasad", "last week", "last month"),
}


def parse_published(value) -> date | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    import dateparser  # slow import, only for unusual publication dates

    parsed = dateparser.parse(text, languages=["es", "en"])
    return parsed.date() if parsed else None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(kind: str, m: re.Match, published: date | None) -> date | None:
    if kind == "absolute":
        day, month, year = int(m.group(1)), MONTHS[m.group(2)], m.group(3)
        return _with_year(day, month, year, published)
    if kind == "absolute_en":
        month, day, year = MONTHS[m.group(1)], int(m.group(2)), m.group(3)
        return _with_year(day, month, year, published)
    if kind == "numeric":
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return _safe(year + 2000 if year < 100 else year, month, day)
    if published is None:
        return None
    if kind == "yesterday":
        return published - timedelta(days=1)
    if kind == "day_before":
        return published - timedelta(days=2)
    if kind == "today":
        return published
    if kind == "weekday":
        wanted = WEEKDAYS[m.group(2)]
        back = (published.weekday() - wanted) % 7
        if back == 0 and (m.group(1) in ("pasado", "ultimo", "last") or m.group(3)):
            back = 7
        return published - timedelta(days=back)
    if kind in ("ago", "ago_en"):
        count = int(m.group(1)) if m.group(1).isdigit() else NUMBERS[m.group(1)]
        unit = m.group(2)[0]
        days = {"d": 1, "s": 7, "w": 7, "m": 30, "a": 365, "y": 365}[unit] * count
        return published - timedelta(days=days)
    return _last_week_or_month(m.group(0), published)


def _last_week_or_month(phrase: str, published: date) -> date:
    """ "la semana pasada", "el mes pasado", "last week", "last month" (the "other" pattern's
    phrases, folded): a week back, or the same day of the previous month (its last day when
    the month is shorter), as ``dateparser`` reads them (:func:`_dateparser`, compared on
    every day of two years by a test). Done here because ``dateparser``'s first call in a
    process costs about a CPU-second (its locale and time-zone tables)."""
    if "week" in phrase or "semana" in phrase:
        return published - timedelta(days=7)
    year, month = divmod(published.year * 12 + published.month - 2, 12)  # month before
    return date(year, month + 1, min(published.day, monthrange(year, month + 1)[1]))


def _with_year(day: int, month: int, year: str | None, published: date | None) -> date | None:
    if year:
        return _safe(int(year), month, day)
    if published is None:
        return None
    found = _safe(published.year, month, day)
    if found and found > published + timedelta(days=2):  # "el 28 de diciembre" read in January
        found = _safe(published.year - 1, month, day)
    return found


def _dateparser(phrase: str, published: date) -> date | None:
    import dateparser

    base = datetime(published.year, published.month, published.day, 12)
    parsed = dateparser.parse(
        phrase,
        languages=["es", "en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"},
    )
    return parsed.date() if parsed else None


def event_date(text: str, folded: str, published: date | None) -> tuple[str, str] | None:
    """(ISO date, the phrase that gave it) for the first date phrase of the lead."""
    lead = folded[:LEAD_CHARS]
    candidates = []
    for kind, pattern in PATTERNS:
        if not any(anchor in lead for anchor in ANCHORS[kind]):
            continue
        m = pattern.search(lead)
        if m:
            candidates.append((m.start(), kind, m))
    absolute = [c for c in candidates if c[1] in ("absolute", "absolute_en", "numeric")]
    for _start, kind, m in sorted(candidates, key=lambda c: c[0]):
        if kind == "weekday" and any(a[2].start() <= m.end() + 2 for a in absolute):
            continue  # "el sábado 2 de marzo": the full date says more than the weekday
        found = _resolve(kind, m, published)
        if found is None:
            continue
        if published and found > published + timedelta(days=1):
            continue  # a future date is a hearing or a deadline, not the event
        return found.isoformat(), text[m.start() : m.end()]
    return None
