"""From a row of cells (schema headers) to a normalised row of codes, or its errors.

Each column of the flat row format (``registry.schema``) is parsed by its kind and
vocabulary; results are cached per (column, raw value) because institutions' spreadsheets
repeat the same few values millions of times. Errors name the row as the spreadsheet
shows it, the column as written in the file and the value, in Spanish and English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache

from nanduti.registry import schema
from nanduti.registry.io.values import (
    MAX_CODE,
    MAX_TEXT,
    CellError,
    check_length,
    parse_age,
    parse_date,
    parse_year,
    unneutralise,
)
from nanduti.registry.models import Source
from nanduti.taxonomy import vocab
from nanduti.taxonomy.vocab import fold

# Columns the importer writes itself into a rejects file; never data.
IGNORED_HEADERS = {"_fila", "_errores", "_row", "_errors"}
CACHE_LIMIT = 500_000  # (column, value) results kept; a pathological file cannot exhaust memory
# A CTDC record holds a whole row of the standard (64 columns at most in any layout): its
# limit only guards against a file that is not one.
OTHER_SEPARATORS = re.compile(r"[,;/]")  # between values of a multi-valued cell, after "|"
TEXT_LIMITS = {"case_reference": 80, "victim_reference": 40, "victim_ctdc": 1_000_000}
# The age band vocabularies an age is checked against (its column is ``victim_<vocabulary>``).
AGE_BANDS = (
    ("age_band", "franja de edad", "age band"),
    ("age_band_ctdc", "franja CTDC", "CTDC age band"),
)
PERPETRATOR_COLUMNS = ("perpetrator_roles", "perpetrator_sexes", "perpetrator_nationalities")
SOURCE_CODES = {fold(code): code for code in Source.values} | {
    fold(label.split(" / ")[0]): code for code, label in Source.choices
}


@dataclass
class Problem:
    row: int
    column: str  # the header as written in the file
    value: str
    message_es: str
    message_en: str
    suggestions: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        hint = ""
        if self.suggestions:
            hint = f" ¿Quiso decir / did you mean: {', '.join(self.suggestions)}?"
        return (
            f"fila {self.row}, columna «{self.column}»: {self.message_es} / "
            f"row {self.row}, column «{self.column}»: {self.message_en}.{hint}"
        )

    @classmethod
    def of(cls, number: int, column: str, value: str, error: CellError) -> Problem:
        return cls(number, column, value, error.message_es, error.message_en, error.suggestions)

    def as_dict(self) -> dict:
        return {**asdict(self), "message": self.message}


@dataclass
class FuzzyMatch:
    row: int
    column: str
    value: str
    code: str
    score: float

    def as_dict(self) -> dict:
        column = schema.column_for(self.column)
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "label": code_label(column.vocabulary, self.code) if column else self.code,
            "score": round(self.score, 1),
        }


@dataclass
class Header:
    position: int
    written: str
    column: schema.Column


def plan_headers(headers: list[str]) -> tuple[list[Header], list[str], list[str]]:
    """Known columns, unknown headers, and warnings about duplicated columns."""
    known: list[Header] = []
    unknown: list[str] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for position, written in enumerate(headers):
        if not fold(written) or written.strip().lower() in IGNORED_HEADERS:
            continue
        column = schema.column_for(written)
        if column is None:
            unknown.append(written)
        elif column.name in seen:
            warnings.append(
                f"Las columnas «{seen[column.name]}» y «{written}» significan lo mismo; se usa "
                f"la primera / columns «{seen[column.name]}» and «{written}» mean the same; "
                "the first is used"
            )
        else:
            seen[column.name] = written
            known.append(Header(position, written, column))
    return known, unknown, warnings


def code_label(vocabulary: str, code: str) -> str:
    """What people call a code (messages show labels, never internal codes): a district
    with its department, a platform or else its technology category."""
    if vocabulary == "platform" and vocab.get("platform").get(code) is None:
        vocabulary = "technology"
    if not vocabulary:
        return code
    term = vocab.get(vocabulary).get(code)
    if term is None:
        return code
    if vocabulary == "district" and term.parent:
        return f"{term.label_es} ({vocab.get('department').label(term.parent)})"
    return term.label_es


def _labels(vocabulary: str, codes: list[str]) -> list[str]:
    return [code_label(vocabulary, code) for code in codes]


def _unknown_value(column: schema.Column, value: str) -> CellError:
    vocabulary = vocab.get(column.vocabulary)
    return CellError(
        f"valor «{value}» no reconocido para {vocabulary.meta.get('label_es', column.vocabulary)}",
        f"value «{value}» not recognised as {vocabulary.meta.get('label_en', column.vocabulary)}",
        _labels(column.vocabulary, vocabulary.suggestions(value)),
    )


def _fuzzy_score(match) -> float | None:
    return match.score if match.method == "fuzzy" else None


@lru_cache(maxsize=65536)
def _code(vocabulary: str, value: str) -> tuple[str, float | None] | None:
    """(code, fuzzy score or None), or None; cached per vocabulary and raw value."""
    match = vocab.get(vocabulary).normalize(value)
    if match is None:
        return None
    return match.code, _fuzzy_score(match)


@lru_cache(maxsize=65536)
def _platform(value: str) -> tuple[str, str, float | None]:
    """(technology, platform, fuzzy score): a platform, or a technology category alone."""
    platforms, technologies = vocab.get("platform"), vocab.get("technology")
    for fuzzy in (False, True):
        match = platforms.normalize(value, fuzzy=fuzzy)
        if match is not None:
            term = platforms.get(match.code)
            parent = term.parent if term is not None else ""
            return parent, match.code, _fuzzy_score(match)
        match = technologies.normalize(value, fuzzy=fuzzy)
        if match is not None:
            return match.code, "", _fuzzy_score(match)
    raise CellError(
        f"plataforma o tecnología «{value}» no reconocida",
        f"platform or technology «{value}» not recognised",
        _labels("platform", platforms.suggestions(value))
        + _labels("technology", technologies.suggestions(value, limit=1)),
    )


@lru_cache(maxsize=1)
def _district_index() -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for term in vocab.get("district"):
        keys = {term.code, term.code.split(".", 1)[-1], term.label_es, term.label_en}
        keys.update(term.aliases)
        for key in keys:
            codes = index.setdefault(fold(key.replace("_", " ")), [])
            if term.code not in codes:
                codes.append(term.code)
    return index


@lru_cache(maxsize=65536)
def _district(value: str, department: str) -> tuple[str, float | None]:
    districts = vocab.get("district")
    key = fold(value)
    candidates = _district_index().get(key, [])
    if key in ("unknown", "desconocido", "not asked", "no preguntado", "s d", "sd", "nd"):
        return (_code("district", value) or ("unknown", None))[0], None
    if department and department not in ("unknown", "not_asked"):
        inside = [c for c in candidates if getattr(districts.get(c), "parent", None) == department]
        if len(inside) == 1:
            return inside[0], None
        if not inside:
            # "Departamento - Distrito" written together, or a fuzzy spelling inside it
            for term in districts.children(department):
                if fold(term.label_es) == key:
                    return term.code, None
            match = districts.normalize(value)
            if match and getattr(districts.get(match.code), "parent", None) == department:
                return match.code, _fuzzy_score(match)
            if candidates:
                name = code_label("department", department)
                raise CellError(
                    f"el distrito «{value}» no pertenece al departamento «{name}»",
                    f"district «{value}» is not in department «{name}»",
                    _labels("district", candidates[:3]),
                )
    if len(candidates) == 1:
        return candidates[0], None
    if len(candidates) > 1:
        raise CellError(
            f"distrito «{value}» ambiguo: indique el departamento",
            f"ambiguous district «{value}»: give the department",
            _labels("district", candidates[:5]),
        )
    match = districts.normalize(value)
    if match is None:
        raise CellError(
            f"distrito «{value}» no reconocido",
            f"district «{value}» not recognised",
            _labels("district", districts.suggestions(value)),
        )
    return match.code, _fuzzy_score(match)


@lru_cache(maxsize=1)
def _age_bands() -> list[tuple[str, str, int, int]]:
    """(vocabulary, code, lowest age, highest age) of every age band."""
    return [
        (
            vocabulary,
            term.code,
            int(term.extra.get("min_age", 0)),
            int(term.extra.get("max_age") or 200),
        )
        for vocabulary, _label_es, _label_en in AGE_BANDS
        for term in vocab.get(vocabulary)
    ]


def band_of(age: int, vocabulary: str = "age_band") -> str:
    bands = _age_bands()
    return next((c for v, c, low, high in bands if v == vocabulary and low <= age <= high), "")


def band_range(code: str, vocabulary: str = "age_band") -> tuple[int, int] | None:
    bands = _age_bands()
    return next(((low, high) for v, c, low, high in bands if (v, c) == (vocabulary, code)), None)


def split_positional(cell: str) -> list[str]:
    """Perpetrator columns are parallel lists: keep empty places, split on | (or ;)."""
    separator = "|" if "|" in cell else ";"
    return [part.strip() for part in cell.split(separator)]


def row_key(cells) -> int:
    """A fingerprint of a row's content, to find identical rows within one import.

    Python's 64-bit string hash: stable within a process, which is all an import needs,
    and fast enough for millions of rows.
    """
    return hash(tuple(map(str.strip, cells)))


def _source_code(raw: str, today: date) -> str:
    code = SOURCE_CODES.get(fold(raw))
    if code is None:
        raise CellError(f"fuente «{raw}» no reconocida", f"source «{raw}» not recognised", [])
    return code


def _ctdc_record(raw: str, today: date) -> str:
    """A CTDC record (see registry/ctdc.py) is kept as written, once it is known to be a JSON
    object of texts (the database would refuse anything else, and with it the whole chunk;
    the export writes texts)."""
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    kinds: set[type] = {type(None)}
    if isinstance(record, dict):
        columns = record.pop("_columns", [])  # the column order of a layout of its own
        if isinstance(columns, list):
            kinds = {type(v) for v in [*columns, *record.values()]}
    if not kinds <= {str}:
        raise CellError(
            "registro CTDC ilegible: se espera un objeto JSON de textos",
            "unreadable CTDC record: a JSON object of texts is expected",
            [],
        )
    return raw


# Text columns whose cells are read into something else (or checked); the others are kept
# as written.
TEXT_PARSERS: dict[str, Callable[[str, date], str]] = {
    "source": _source_code,
    "victim_ctdc": _ctdc_record,
    "victim_birth_date": lambda raw, today: parse_date(raw, today).isoformat(),
}


def _text_limit(column: schema.Column) -> int:
    return TEXT_LIMITS.get(column.name, MAX_TEXT)


def _plain_text_limit(column: schema.Column) -> int:
    """The length limit of a column whose cells are stored as written, else 0."""
    if column.kind not in ("text", "identifying") or column.name in TEXT_PARSERS:
        return 0
    return _text_limit(column)


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
        self.known, self.unknown, self.warnings = plan_headers(headers)
        self.width = len(headers)
        self.resolve_institution = resolve_institution
        self.default_institution = default_institution
        # Set when the importing user belongs to an institution: rows of any other are
        # refused, whatever their institution column says.
        self.only_institution = only_institution
        self.today = today or date.today()
        self.by_name = {h.column.name: h for h in self.known}
        self.has_reference = "case_reference" in self.by_name
        self._cache: dict[tuple[int, str], tuple] = {}
        # Per column: whether its parse is cached (coded values repeat), and for free text
        # kept as written, its length limit (checked inline: one such cell per row of
        # most files, where a call chain per cell cost more than the check).
        self._plan = [
            (
                h,
                h.position,
                h.column.name,
                h.column.kind not in ("text", "identifying"),
                _plain_text_limit(h.column),
            )
            for h in self.known
        ]

    def normalise(
        self, number: int, cells: list[str]
    ) -> tuple[dict | None, list[Problem], list[FuzzyMatch]]:
        problems: list[Problem] = []
        fuzzy: list[FuzzyMatch] = []
        out: dict = {}
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            problems.append(
                Problem(
                    number,
                    "*",
                    "",
                    f"la fila tiene {len(cells)} columnas y el encabezado {self.width} "
                    "(¿delimitador distinto o comillas sin cerrar?)",
                    f"the row has {len(cells)} columns and the header {self.width} "
                    "(a different delimiter or unclosed quotes?)",
                )
            )
            return None, problems, fuzzy
        if len(cells) == 1 and self.width > 1 and any(d in cells[0] for d in ",;\t|"):
            problems.append(
                Problem(
                    number,
                    "*",
                    cells[0][:80],
                    "la fila usa otro delimitador que el encabezado",
                    "the row uses a different delimiter from the header",
                )
            )
            return None, problems, fuzzy
        cache_get = self._cache.get
        width = len(cells)
        for header, position, name, cached, plain_limit in self._plan:
            raw = cells[position].strip() if position < width else ""
            if not raw:
                continue
            if plain_limit and len(raw) <= plain_limit and "\ufffd" not in raw and raw[0] != "'":
                out[name] = raw
                continue
            if "\ufffd" in raw:
                problems.append(
                    Problem(
                        number,
                        header.written,
                        raw[:80],
                        "caracteres ilegibles: el archivo mezcla codificaciones de texto",
                        "unreadable characters: the file mixes text encodings",
                    )
                )
                continue
            if raw[0] == "'":
                raw = unneutralise(raw)
            if cached:
                # The hit path: one lookup; a value with fuzzy matches or an error to
                # replay takes the long way.
                hit = cache_get((position, raw))
                if hit is not None and not hit[1] and hit[2] is None:
                    out[name] = hit[0]
                    continue
            try:
                out[header.column.name] = self._cached_parse(header, raw, number, fuzzy)
            except CellError as error:
                shown = raw if len(raw) <= 200 else raw[:200] + "…"
                problems.append(Problem.of(number, header.written, shown, error))
        self._derive(out, number, problems, fuzzy)
        return (None if problems else out), problems, fuzzy

    def _cached_parse(self, header: Header, raw: str, number: int, fuzzy: list[FuzzyMatch]):
        """Coded values repeat: parse each (column, value) once, replay its fuzzy matches."""
        if header.column.kind in ("text", "identifying"):
            return self._parse(header, raw, number, fuzzy)
        key = (header.position, raw)
        hit = self._cache.get(key)
        if hit is None:
            found: list[FuzzyMatch] = []
            try:
                value = self._parse(header, raw, number, found)
                if isinstance(value, list):
                    value = tuple(value)
                hit = (value, [(f.value, f.code, f.score) for f in found], None)
            except CellError as failure:
                hit = (None, [], failure)
            if len(self._cache) < CACHE_LIMIT:
                self._cache[key] = hit
        value, matches, error = hit
        if error is not None:
            raise error
        for value_text, code, score in matches:
            fuzzy.append(FuzzyMatch(number, header.written, value_text, code, score))
        return value

    def _parse(self, header: Header, raw: str, number: int, fuzzy: list[FuzzyMatch]):
        column = header.column
        kind = column.kind
        if kind in ("text", "identifying"):
            check_length(raw, _text_limit(column))
            parse = TEXT_PARSERS.get(column.name)
            return parse(raw, self.today) if parse else raw
        # A multi-valued cell holds several labels (18 CTDC means of control): its values are
        # checked one by one.
        single_code = kind in ("code", "institution") and not column.multi
        check_length(
            raw, MAX_CODE if single_code and column.name not in PERPETRATOR_COLUMNS else MAX_TEXT
        )
        if kind == "int":
            return parse_age(raw)
        if kind == "year":
            return parse_year(raw, self.today)
        if kind == "date":
            return parse_date(raw, self.today)
        if kind == "institution":
            return self.resolve_institution(raw)
        if column.name in PERPETRATOR_COLUMNS:
            return [
                self._one_code(column, part, header, number, fuzzy) if part else ""
                for part in split_positional(raw)
            ]
        if column.multi:
            values = []
            for part in schema.split_multi(raw):
                for value in self._codes_of_part(column, part, header, number, fuzzy):
                    if value not in values:
                        values.append(value)
            return values
        if column.vocabulary == "district":
            return raw  # resolved in _derive, once the department is known
        return self._one_code(column, raw, header, number, fuzzy)

    def _codes_of_part(self, column, part: str, header: Header, number: int, fuzzy: list):
        """Spreadsheets also list values with commas, semicolons or slashes ("Facebook,
        WhatsApp"); a label may hold them itself, so the whole part is tried first."""
        try:
            return [self._one_code(column, part, header, number, fuzzy)]
        except CellError:
            pieces = [p.strip() for p in OTHER_SEPARATORS.split(part) if p.strip()]
            if len(pieces) < 2:
                raise
            return [self._one_code(column, p, header, number, fuzzy) for p in pieces]

    def _one_code(self, column, raw: str, header: Header, number: int, fuzzy: list):
        check_length(raw, MAX_CODE)
        if column.level == "technology":
            technology, platform, score = _platform(raw)
            if score is not None:
                fuzzy.append(FuzzyMatch(number, header.written, raw, platform or technology, score))
            return (technology, platform)
        if column.vocabulary == "institution":
            return self.resolve_institution(raw)
        found = _code(column.vocabulary, raw)
        if found is None:
            raise _unknown_value(column, raw)
        code, score = found
        if score is not None:
            fuzzy.append(FuzzyMatch(number, header.written, raw, code, score))
        return code

    def _derive(self, out: dict, number: int, problems: list[Problem], fuzzy: list) -> None:
        """Values that depend on other columns of the same row."""
        for district_col, department_col in (
            ("district", "department"),
            ("origin_district", "origin_department"),
        ):
            raw = out.get(district_col)
            if not raw:
                continue
            header = self.by_name[district_col]
            try:
                code, score = _district(raw, out.get(department_col, ""))
            except CellError as error:
                problems.append(Problem.of(number, header.written, raw, error))
                continue
            if score is not None:
                fuzzy.append(FuzzyMatch(number, header.written, raw, code, score))
            out[district_col] = code
            parent = vocab.get("district").get(code)
            if parent is not None and parent.parent and not out.get(department_col):
                out[department_col] = parent.parent
        age = out.get("victim_age")
        if age is not None:
            for vocabulary, band_es, band_en in AGE_BANDS:
                column = f"victim_{vocabulary}"
                band = out.get(column)
                if not band or band in ("unknown", "not_asked"):
                    out[column] = band_of(age, vocabulary)
                    continue
                low, high = band_range(band, vocabulary) or (0, 200)
                if not low <= age <= high:
                    label = code_label(vocabulary, band)
                    problems.append(
                        Problem(
                            number,
                            self.by_name[column].written,
                            band,
                            f"la edad {age} contradice la {band_es} «{label}»",
                            f"age {age} contradicts {band_en} «{label}»",
                        )
                    )
        if out.get("year") is None and out.get("reported_on") is not None:
            out["year"] = out["reported_on"].year
        if not out.get("institution"):
            if self.default_institution:
                out["institution"] = self.default_institution
            else:
                problems.append(
                    Problem(
                        number,
                        "institucion",
                        "",
                        "falta la institución (columna «institucion» o opción --institution)",
                        "institution missing (an «institution» column or --institution)",
                    )
                )
        elif self.only_institution and out["institution"] != self.only_institution:
            header = self.by_name["institution"]
            problems.append(
                Problem(
                    number,
                    header.written,
                    out["institution"],
                    f"la fila es de otra institución ({out['institution']}): solo puede importar "
                    f"casos de la suya ({self.only_institution}); la fila no se guardó",
                    f"the row belongs to another institution ({out['institution']}): you may "
                    f"only import your own institution's cases ({self.only_institution}); the "
                    "row was not stored",
                )
            )
