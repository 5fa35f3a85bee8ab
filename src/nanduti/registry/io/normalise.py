"""From a row of cells (schema headers) to a normalised row of codes, or its errors.

Each column of the flat row format (``registry.schema``) is parsed by its kind and
vocabulary; a coded cell's result is kept per (column, raw value), since institutions'
spreadsheets repeat the same few values millions of times. Errors name the row as the
spreadsheet shows it, the column as written in the file and the value, in Spanish and English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext_noop as _

from nanduti.bilingual import Message
from nanduti.registry import schema
from nanduti.registry.io import values
from nanduti.registry.io.values import MAX_CODE, MAX_TEXT, CellError
from nanduti.registry.models import Source
from nanduti.taxonomy import vocab
from nanduti.taxonomy.vocab import SPECIAL_CODES, fold

IGNORED_HEADERS = {"_fila", "_errores", "_row", "_errors"}  # the importer's rejects columns
CACHE_LIMIT = 500_000  # (column, value) results kept: a pathological file cannot exhaust memory
OTHER_SEPARATORS = re.compile(r"[,;/]")  # between values of a multi-valued cell, after "|"
TEXT_KINDS = ("text", "identifying")  # free text: kept as written unless PARSERS has it
# A CTDC record holds a whole row of the standard: its limit only refuses what is not one.
TEXT_LIMITS = {"case_reference": 80, "victim_reference": 40, "victim_ctdc": 1_000_000}
AGE_BANDS = (  # the columns an age is checked against or fills: (column, vocabulary, names)
    ("victim_age_band", "age_band", _("franja de edad")),
    ("victim_age_band_ctdc", "age_band_ctdc", _("franja CTDC")),
)
SOURCE_CODES = {fold(code): code for code in Source.values} | {
    fold(label.split(" / ")[0]): code for code, label in Source.choices
}
WHERE = _("fila %(row)s, columna «%(column)s»: %(text)s")  # before each problem's message
UNKNOWN_DISTRICT = {"unknown", "desconocido", "not asked", "no preguntado", "s d", "sd", "nd"}


@dataclass
class Problem:
    row: int
    column: str  # the header as written in the file
    value: str
    text: Message
    suggestions: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        text = Message(WHERE, row=self.row, column=self.column, text=self.text)
        hints = ", ".join(self.suggestions)
        return f"{text}. ¿Quiso decir / did you mean: {hints}?" if hints else f"{text}."

    @classmethod
    def of(cls, number: int, column: str, value: str, error: CellError) -> Problem:
        return cls(number, column, value, error.message, error.suggestions)

    def as_dict(self) -> dict:
        where = {"row": self.row, "column": self.column, "value": self.value}
        texts = {"message_es": self.text.es, "message_en": self.text.en}
        return where | texts | {"suggestions": self.suggestions, "message": self.message}


@dataclass
class FuzzyMatch:
    row: int
    column: str
    value: str
    code: str
    score: float

    def as_dict(self) -> dict:
        column = schema.column_for(self.column)
        label = code_label(column.vocabulary, self.code) if column else self.code
        return {**asdict(self), "label": label, "score": round(self.score, 1)}


@dataclass
class Header:
    position: int
    written: str
    column: schema.Column


def code_label(vocabulary: str, code: str) -> str:
    """What people call a code (messages show labels, never internal codes): a district
    with its department, a platform or else its technology category."""
    if vocabulary == "platform" and vocab.get("platform").get(code) is None:
        vocabulary = "technology"
    term = vocab.get(vocabulary).get(code) if vocabulary else None
    if term is None:
        return code
    if vocabulary == "district" and term.parent:
        return f"{term.label_es} ({vocab.get('department').label(term.parent)})"
    return term.label_es


def _labels(vocabulary: str, codes: list[str]) -> list[str]:
    return [code_label(vocabulary, code) for code in codes]


def _score(match: vocab.Match) -> float | None:
    return match.score if match.method == "fuzzy" else None


@lru_cache(maxsize=65536)
def _code(vocabulary: str, value: str) -> tuple[object, str, float | None]:
    """(value stored, code, fuzzy score or None); a platform is stored as (technology,
    platform), a technology category named alone as (technology, "")."""
    if vocabulary != "platform":
        terms = vocab.get(vocabulary)
        match = terms.normalize(value)
        if match is None:
            raise CellError(
                _("valor «%(value)s» no reconocido para %(what)s"),
                _labels(vocabulary, terms.suggestions(value)),
                value=value,
                what=tuple(terms.meta.get(f"label_{lang}", vocabulary) for lang in ("es", "en")),
            )
        return match.code, match.code, _score(match)
    platforms, technologies = vocab.get("platform"), vocab.get("technology")
    for fuzzy in (False, True):
        if match := platforms.normalize(value, fuzzy=fuzzy):
            term = platforms.get(match.code)
            return (term.parent if term else "", match.code), match.code, _score(match)
        if match := technologies.normalize(value, fuzzy=fuzzy):
            return (match.code, ""), match.code, _score(match)
    raise CellError(
        _("plataforma o tecnología «%(value)s» no reconocida"),
        _labels("platform", platforms.suggestions(value))
        + _labels("technology", technologies.suggestions(value, limit=1)),
        value=value,
    )


@lru_cache(maxsize=65536)
def _district(value: str, department: str) -> tuple[str, float | None] | CellError:
    """A district by its name, told apart by its department when several share it: (code,
    fuzzy score or None) or the error, both kept (a file repeats its districts, right or
    wrong, on row after row)."""
    districts = vocab.get("district")
    if fold(value) in UNKNOWN_DISTRICT:
        match = districts.normalize(value)
        return (match.code if match else "unknown"), None
    candidates = districts.candidates(value)
    if department and department not in SPECIAL_CODES:
        inside = [c for c in candidates if getattr(districts.get(c), "parent", "") == department]
        if len(inside) == 1:
            return inside[0], None
        if not inside:
            # "Departamento - Distrito" written together, or a fuzzy spelling inside it
            match = districts.normalize(value)
            if match and getattr(districts.get(match.code), "parent", "") == department:
                return match.code, _score(match)
            if candidates:
                name = code_label("department", department)
                return CellError(
                    _("el distrito «%(value)s» no pertenece al departamento «%(name)s»"),
                    _labels("district", candidates[:3]),
                    value=value,
                    name=name,
                )
    if len(candidates) > 1:
        return CellError(
            _("distrito «%(value)s» ambiguo: indique el departamento"),
            _labels("district", candidates[:5]),
            value=value,
        )
    if candidates:
        return candidates[0], None
    match = districts.normalize(value)
    if match is None:
        return CellError(
            _("distrito «%(value)s» no reconocido"),
            _labels("district", districts.suggestions(value)),
            value=value,
        )
    return match.code, _score(match)


@lru_cache(maxsize=256)  # the bands of an age, derived on every row that has one
def _bands(age: int) -> tuple[str, ...]:
    return tuple(vocab.age_band(age, vocabulary) for _column, vocabulary, _name in AGE_BANDS)


def row_key(cells) -> int:
    """A fingerprint of a row's content, to find identical rows within one import (Python's
    string hash: stable within a process, which is all an import needs)."""
    return hash(tuple(map(str.strip, cells)))


def _source_code(raw: str, today: date) -> str:
    code = SOURCE_CODES.get(fold(raw))
    if code is None:
        raise CellError(_("fuente «%(value)s» no reconocida"), value=raw)
    return code


def _ctdc_record(raw: str, today: date) -> str:
    """A CTDC record (see registry/ctdc.py) is kept as written, once it is known to be a JSON
    object of texts (the database would refuse anything else, and with it the whole chunk;
    the export writes texts)."""
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    # "_columns": the column order of a layout of its own
    columns = record.pop("_columns", []) if isinstance(record, dict) else None
    if not isinstance(columns, list) or not all(
        isinstance(v, str) for v in [*columns, *record.values()]
    ):
        raise CellError(_("registro CTDC ilegible: se espera un objeto JSON de textos"))
    return raw


# How a cell is read, by column name, else by kind (free text is kept as written; codes and
# institutions go through their vocabularies).
PARSERS: dict[str, Callable[[str, date], object]] = {
    "source": _source_code,
    "victim_ctdc": _ctdc_record,
    "victim_birth_date": lambda raw, today: values.parse_date(raw, today).isoformat(),
    "int": lambda raw, today: values.parse_age(raw),
    "year": values.parse_year,
    "date": values.parse_date,
}


def _limit(column: schema.Column) -> int:
    """The length of a cell, before it is read (a multi-valued cell holds several labels:
    18 CTDC means of control)."""
    if column.kind in TEXT_KINDS:
        return TEXT_LIMITS.get(column.name, MAX_TEXT)
    return MAX_CODE if column.kind in ("code", "institution") and not column.multi else MAX_TEXT


class RowNormaliser:
    """Normalises rows whose cells follow ``headers``."""

    def __init__(
        self,
        headers: list[str],
        *,
        resolve_institution: Callable[[str], str],
        default_institution: str | None = None,
        only_institution: str | None = None,
        today: date | None = None,
    ):
        self.by_name: dict[str, Header] = {}  # the known columns
        self.unknown: list[str] = []
        self.warnings: list[str] = []
        for position, written in enumerate(headers):
            if not fold(written) or written.strip().lower() in IGNORED_HEADERS:
                continue
            column = schema.column_for(written)
            if column is None:
                self.unknown.append(written)
            elif first := self.by_name.get(column.name):
                same = _(
                    "Las columnas «%(first)s» y «%(other)s» significan lo mismo; se usa la primera"
                )
                self.warnings.append(str(Message(same, first=first.written, other=written)))
            else:
                self.by_name[column.name] = Header(position, written, column)
        self.known = list(self.by_name.values())
        self.width = len(headers)
        self.resolve_institution = resolve_institution
        self.default_institution = default_institution
        # Set when the importing user belongs to an institution: rows of any other are
        # refused, whatever their institution column says.
        self.only_institution = only_institution
        self.today = today or date.today()
        self.has_reference = "case_reference" in self.by_name
        # Per column: where its cells are, its name, the column and its header, the length
        # limit of free text kept as written (checked inline: a call per such cell cost more;
        # 0 for the others) and its parsed results by raw value (coded values repeat; free
        # text does not: None).
        self._plan: list[tuple[int, str, schema.Column, str, int, dict | None]] = []
        for h in self.known:
            text = h.column.kind in TEXT_KINDS
            limit = _limit(h.column) if text and h.column.name not in PARSERS else 0
            cache: dict | None = None if text else {}
            self._plan.append((h.position, h.column.name, h.column, h.written, limit, cache))
        self._cache_room = CACHE_LIMIT // max(len(self.known), 1)
        self._districts = [  # (district, its department, the district's header), in schema order
            (c.name, c.name.replace("district", "department"), self.by_name[c.name].written)
            for c in schema.COLUMNS
            if c.vocabulary == "district" and c.name in self.by_name
        ]

    def normalise(
        self, number: int, cells: list[str]
    ) -> tuple[dict | None, list[Problem], list[FuzzyMatch]]:
        if len(cells) != self.width:
            if broken := self._broken(number, cells):
                return None, [broken], []
            cells = [*cells, *[""] * (self.width - len(cells))]  # trailing empty cells left out
        problems: list[Problem] = []
        fuzzy: list[FuzzyMatch] = []
        out: dict = {}
        room = self._cache_room
        for position, name, column, written, plain_limit, cache in self._plan:
            raw = cells[position].strip()
            if not raw:
                continue
            if plain_limit and len(raw) <= plain_limit and "\ufffd" not in raw and raw[0] != "'":
                out[name] = raw
                continue
            hit = cache.get(raw) if cache is not None else None
            if hit is None:
                hit = self._read(column, raw)
                if cache is not None and len(cache) < room:
                    cache[raw] = hit
            value, matches, error = hit
            if error is None:
                out[name] = value
                if matches:
                    fuzzy += [FuzzyMatch(number, written, *match) for match in matches]
            else:
                shown = raw if len(raw) <= 200 else raw[:200] + "…"
                problems.append(Problem.of(number, written, shown, error))
        self._derive(out, number, problems, fuzzy)
        return (None if problems else out), problems, fuzzy

    def _broken(self, number: int, cells: list[str]) -> Problem | None:
        """A row whose cells do not line up with the header."""
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            why = _(
                "la fila tiene %(cells)s columnas y el encabezado %(width)s "
                "(¿delimitador distinto o comillas sin cerrar?)"
            )
            return Problem(number, "*", "", Message(why, cells=len(cells), width=self.width))
        if len(cells) == 1 and self.width > 1 and any(d in cells[0] for d in ",;\t|"):
            why = _("la fila usa otro delimitador que el encabezado")
            return Problem(number, "*", cells[0][:80], Message(why))
        return None

    def _read(self, column: schema.Column, raw: str) -> tuple:
        """A cell, once per distinct value: (value, fuzzy matches as (value, code, score),
        None) or (None, (), the error)."""
        found: list[tuple[str, str, float]] = []
        try:
            if "\ufffd" in raw:
                raise CellError(
                    _("caracteres ilegibles: el archivo mezcla codificaciones de texto")
                )
            raw = values.unneutralise(raw)
            values.check_length(raw, _limit(column))
            parse = PARSERS.get(column.name) or PARSERS.get(column.kind)
            if parse is not None:
                value = parse(raw, self.today)
            elif column.kind in TEXT_KINDS or column.vocabulary == "district":
                value = raw  # a district is resolved in _derive, once its department is known
            elif column.level == "perpetrator":  # parallel lists: a place per perpetrator
                parts = [part.strip() for part in raw.split("|" if "|" in raw else ";")]
                value = tuple(self._one(column, part, found) if part else "" for part in parts)
            elif column.multi:
                value = tuple(dict.fromkeys(self._many(column, raw, found)))
            else:
                value = self._one(column, raw, found)
        except CellError as error:
            return None, (), error
        return value, found, None

    def _many(self, column: schema.Column, raw: str, found: list) -> Iterator:
        """The values of a multi-valued cell. Spreadsheets also list them with commas,
        semicolons or slashes ("Facebook, WhatsApp"); a label may hold those itself, so
        each part between "|" is tried whole first."""
        for part in schema.split_multi(raw):
            try:
                yield self._one(column, part, found)
            except CellError:
                pieces = [p.strip() for p in OTHER_SEPARATORS.split(part) if p.strip()]
                if len(pieces) < 2:
                    raise
                yield from (self._one(column, piece, found) for piece in pieces)

    def _one(self, column: schema.Column, raw: str, found: list):
        values.check_length(raw, MAX_CODE)
        if column.choices == "institution":
            return self.resolve_institution(raw)
        value, code, score = _code(column.vocabulary, raw)
        if score is not None:
            found.append((raw, code, score))
        return value

    def _derive(self, out: dict, number: int, problems: list[Problem], fuzzy: list) -> None:
        """Values that depend on other columns of the same row."""
        for district, department, written in self._districts:
            raw = out.get(district)
            if raw is None:
                continue
            place = _district(raw, out.get(department, ""))
            if isinstance(place, CellError):
                problems.append(Problem.of(number, written, raw, place))
                continue
            out[district], score = place
            if score is not None:
                fuzzy.append(FuzzyMatch(number, written, raw, out[district], score))
            term = None if out.get(department) else vocab.get("district").get(out[district])
            if term and term.parent:
                out[department] = term.parent
        age = out.get("victim_age")
        if age is not None:
            for (column, vocabulary, name), derived in zip(AGE_BANDS, _bands(age), strict=True):
                band = out.get(column)
                if not band or band in SPECIAL_CODES:
                    out[column] = derived
                    continue
                low, high = vocab.band_range(band, vocabulary) or (0, 200)
                if not low <= age <= high:
                    label, written = code_label(vocabulary, band), self.by_name[column].written
                    why = _("la edad %(age)s contradice la %(band)s «%(label)s»")
                    text = Message(why, age=age, band=Message(name), label=label)
                    problems.append(Problem(number, written, band, text))
        if "year" not in out and "reported_on" in out:
            out["year"] = out["reported_on"].year
        institution = out.get("institution")
        if not institution and self.default_institution:
            out["institution"] = self.default_institution
        elif not institution:
            why = _("falta la institución (columna «institucion» o opción --institution)")
            problems.append(Problem(number, "institucion", "", Message(why)))
        elif self.only_institution and institution != self.only_institution:
            why = _(
                "la fila es de otra institución (%(other)s): solo puede importar casos de la "
                "suya (%(own)s); la fila no se guardó"
            )
            text = Message(why, other=institution, own=self.only_institution)
            problems.append(Problem(number, self.by_name["institution"].written, institution, text))
