"""Rows of a series file → validated series, or errors naming row and field in two languages.

A series with any bad row is refused whole (a partial table would mislead); the file is
kept anyway by the caller, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from nanduti.figures.columns import DIMENSIONS, META, TOTAL_MARKERS, label
from nanduti.figures.models import Measure, Unit
from nanduti.taxonomy import vocab

PERIOD = re.compile(r"^(19|20)\d\d(-(0[1-9]|1[0-2]))?$")
DATE = re.compile(r"^(19|20)\d\d(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
REQUIRED_META = ("institution", "publisher", "unit", "title_es", "source_title")
YES = {"si", "yes", "true", "1", "x"}
NO = {"no", "false", "0"}


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    es: str
    en: str

    def __str__(self) -> str:
        where_es = f"fila {self.row}" if self.row else "archivo"
        where_en = f"row {self.row}" if self.row else "file"
        name = label(self.field) if self.field else ""
        return f"{where_es}, «{name}»: {self.es} / {where_en}, «{name}»: {self.en}"


@dataclass
class SeriesData:
    key: str
    meta: dict
    observations: dict = field(default_factory=dict)  # (period, dims_key) -> observation
    rows: list[int] = field(default_factory=list)

    @property
    def dimensions(self) -> list[str]:
        used = {d for o in self.observations.values() for d in o["dims"]}
        return [d for d in DIMENSIONS if d in used]

    def content_hash(self) -> str:
        body = {
            "meta": self.meta,
            "obs": sorted(
                [p, k, format_value(o["value"]), o["note"]]
                for (p, k), o in self.observations.items()
            ),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def format_value(value: Decimal) -> str:
    """Shortest exact text of a value: 30, 27.5 (the same in every export)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def dims_key(dims: dict[str, str]) -> str:
    return "|".join(f"{d}={dims[d]}" for d in DIMENSIONS if d in dims)


def _choice(value: str, choices) -> str | None:
    key = vocab.fold(value)
    for choice in choices:
        es, en = (part.strip() for part in choice.label.split("/"))
        if key in {vocab.fold(choice.value), vocab.fold(es), vocab.fold(en)}:
            return choice.value
    return None


def _code(vocabulary: str, value: str) -> tuple[str | None, str]:
    v = vocab.get(vocabulary)
    match = v.normalize(value, fuzzy=False)
    if match is not None:
        return match.code, ""
    hint = ", ".join(v.label(c) for c in v.suggestions(value))
    return None, hint


def _meta_value(name: str, raw: str, row: int, problems: list[Problem]) -> str:
    if name == "institution":
        code, hint = _code("institution", raw)
        if code is None:
            problems.append(
                Problem(
                    row,
                    name,
                    f"«{raw}» no es una institución del vocabulario (¿{hint}?)",
                    f"«{raw}» is not an institution of the vocabulary ({hint}?)",
                )
            )
        return code or raw
    if name in ("unit", "measure"):
        choices = Unit if name == "unit" else Measure
        code = _choice(raw, choices)
        if code is None:
            valid = ", ".join(c.value for c in choices)
            problems.append(
                Problem(row, name, f"«{raw}» no es válido ({valid})", f"«{raw}» is not valid")
            )
        return code or raw
    if name == "date_published" and raw and not DATE.match(raw):
        problems.append(
            Problem(row, name, f"«{raw}» no es AAAA[-MM[-DD]]", f"«{raw}» is not YYYY[-MM[-DD]]")
        )
    if name == "published":
        folded = vocab.fold(raw)
        if folded not in YES | NO:
            problems.append(Problem(row, name, f"«{raw}»: use sí o no", f"«{raw}»: use yes or no"))
        return "no" if folded in NO else "yes"
    return raw


def _observation(record: dict, row: int, problems: list[Problem]) -> tuple | None:
    before = len(problems)
    period = (record.get("period") or "").strip()
    if not period:
        problems.append(Problem(row, "period", "falta el período", "the period is missing"))
    elif not PERIOD.match(period):
        problems.append(
            Problem(
                row,
                "period",
                f"«{period}» no es un año (2020) ni un mes (2020-03)",
                f"«{period}» is neither a year (2020) nor a month (2020-03)",
            )
        )
    dims = {}
    for name in DIMENSIONS:
        raw = (record.get(name) or "").strip()
        if raw.casefold() in TOTAL_MARKERS:
            continue
        code, hint = _code(name, raw)
        if code is None:
            problems.append(
                Problem(
                    row,
                    name,
                    f"«{raw}» no es un valor del vocabulario {name} (¿{hint}?)",
                    f"«{raw}» is not a value of vocabulary {name} ({hint}?)",
                )
            )
        else:
            dims[name] = code
    raw_value = (record.get("value") or "").strip().replace(" ", "")
    value = None
    try:
        value = Decimal(raw_value.replace(",", ".")) if raw_value else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        problems.append(
            Problem(
                row,
                "value",
                f"«{raw_value}» no es un número ≥ 0 (una cifra faltante es una fila omitida)",
                f"«{raw_value}» is not a number ≥ 0 (a missing figure is a row left out)",
            )
        )
    if len(problems) > before:
        return None
    return period, dims, value, (record.get("note") or "").strip()


def validate(records: list[tuple[int, dict]]) -> tuple[list[SeriesData], list[Problem]]:
    """``records``: (row number as the user sees it, {column name: text})."""
    series: dict[str, SeriesData] = {}
    problems: list[Problem] = []
    refused: set[str] = set()
    for row, record in records:
        raw_key = (record.get("series") or "").strip()
        key = slugify(raw_key)
        if not key:
            problems.append(Problem(row, "series", "falta la serie", "the series is missing"))
            continue
        data = series.setdefault(key, SeriesData(key, {}))
        data.rows.append(row)
        before = len(problems)
        for name in META:
            if name == "series":
                continue
            raw = (record.get(name) or "").strip()
            if not raw:
                continue
            value = _meta_value(name, raw, row, problems)
            if name in data.meta and data.meta[name] != value:
                problems.append(
                    Problem(
                        row,
                        name,
                        f"«{raw}» contradice la fila {data.rows[0]} de la serie {key}",
                        f"«{raw}» contradicts row {data.rows[0]} of series {key}",
                    )
                )
            data.meta.setdefault(name, value)
        obs = _observation(record, row, problems)
        if obs is not None:
            period, dims, value, note = obs
            slot = (period, dims_key(dims))
            if slot in data.observations:
                first = data.observations[slot]["row"]
                problems.append(
                    Problem(
                        row,
                        "period",
                        f"duplicada: la fila {first} ya da {period} {slot[1] or 'total'} "
                        f"de la serie {key}",
                        f"duplicate: row {first} already gives {period} {slot[1] or 'total'} "
                        f"of series {key}",
                    )
                )
            else:
                data.observations[slot] = {
                    "period": period,
                    "dims": dims,
                    "value": value,
                    "note": note,
                    "row": row,
                }
        if len(problems) > before:
            refused.add(key)
    for key, data in series.items():
        data.meta.setdefault("measure", Measure.COUNT)
        data.meta.setdefault("published", "yes")
        for name in REQUIRED_META:
            if not data.meta.get(name):
                refused.add(key)
                problems.append(
                    Problem(
                        data.rows[0],
                        name,
                        f"falta en la serie {key}",
                        f"missing for series {key}",
                    )
                )
        if data.meta.get("measure") == Measure.PERCENT:
            for o in data.observations.values():
                if o["value"] > 100:
                    refused.add(key)
                    problems.append(
                        Problem(o["row"], "value", "un porcentaje > 100", "a percentage > 100")
                    )
    accepted = [s for k, s in series.items() if k not in refused]
    return accepted, problems
