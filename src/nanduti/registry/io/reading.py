"""Reading CSV (any common delimiter and encoding) and XLSX: the header as written, then the
rows as strings numbered as a spreadsheet shows them (header = row 1). Files may be hostile:
see the limits below; whatever cannot be read raises :class:`ImportRefused`. Blank rows
are skipped."""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext_noop as _

from nanduti.bilingual import Message

FORMATS = ("csv", "xlsx", "xlsform", "ctdc")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 2_000_000
MAX_CELL_CHARS = 1 << 20  # a CSV cell; the normaliser's own limits are far lower
csv.field_size_limit(MAX_CELL_CHARS)
# XLSX: the sizes a zip declares bound what it expands to (a small zip can declare
# gigabytes); what openpyxl holds in memory grows with them (shared strings are all loaded, a
# cell's text is joined whole): within them an import stays well under 1 GiB.
MAX_XLSX_BYTES = 512 * 2**20
MAX_XLSX_PART_BYTES = 256 * 2**20
MAX_XLSX_SHARED_STRINGS_BYTES = 64 * 2**20
MAX_XLSX_CELL_CHARS = 32_767  # Excel's own limit
# What a sheet in Spanish is saved in when not in Unicode (Windows, MS-DOS, old Mac), told
# apart by the letters they make: statistical detectors (charset-normalizer, the fallback)
# take short Spanish text for cp1250, cp850 or Big5.
LEGACY_ENCODINGS = ("cp1252", "cp850", "mac_roman")
SPANISH_CHARS = frozenset("áéíóúýñüÁÉÍÓÚÝÑÜ¿¡ºª°“”‘’—–…·ãẽĩõũỹÃẼĨÕŨỸ€«»")
NON_ASCII = re.compile("[^\x00-\x7f]")
UTF8_LATIN = re.compile(rb"[\xc2\xc3][\x80-\xbf]")  # a Latin letter written in UTF-8 ...
# ... and what cp1252 makes of it ("ó" → "Ã³").
MOJIBAKE = re.compile(
    "[ÂÃ][" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", errors="replace")) + "]"
)
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # binary, if many
EMPTY = Message(_("El archivo está vacío"))
TOO_MANY_ROWS = Message(_("El archivo tiene más de %(rows)s filas: divídalo"), rows=f"{MAX_ROWS:,}")
# What a damaged or hostile zip raises, and what openpyxl may raise on its content
# (defusedxml's refusals are ValueErrors).
ZIP_FAILURES = (zipfile.BadZipFile, OSError, EOFError, zlib.error)
XLSX_FAILURES = (*ZIP_FAILURES, ParseError, ValueError, LookupError, TypeError, AttributeError)
HeaderScore = Callable[[list[str]], int]  # how many cells of a row are known column names
Rows = Iterator[tuple[int, list[str]]]


class ImportRefused(Exception):
    """The file cannot be imported (unreadable, or refused): its :class:`Message` says why."""


@dataclass
class Table:
    headers: list[str]
    rows: Rows
    container: str  # csv or xlsx
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def open_table(path: Path, fmt: str | None, score: HeaderScore) -> Table:
    if not path.exists():
        raise ImportRefused(Message(_("No existe el archivo «%(path)s»"), path=str(path)))
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ImportRefused(EMPTY)
    # The content decides (extensions lie); a .xlsx that is no zip is refused as one.
    if head.startswith(b"PK\x03\x04") or fmt == "xlsx" or path.suffix.lower() in XLSX_SUFFIXES:
        return read_xlsx(path, score)
    if path.suffix.lower() == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        why = _("El formato XLS antiguo no se lee; guarde el archivo como XLSX o CSV")
        raise ImportRefused(Message(why))
    return read_csv(path, score)


def detect_encoding(sample: bytes) -> str:
    """Trust a BOM; else UTF-8 when it decodes; else the legacy encoding that fits best."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # the sample cut a character in two
            return "utf-8"
    if letters := len(UTF8_LATIN.findall(sample)):
        # Both encodings in one file: read it in the one most of it uses; the rows in the
        # other are rejected, never stored garbled (see _marked).
        strays = sample.decode("utf-8", errors="replace").count("\ufffd")
        return "utf-8" if letters >= strays else "cp1252"
    legacy = max(LEGACY_ENCODINGS, key=lambda encoding: _spanish_share(sample, encoding))
    if _spanish_share(sample, legacy) >= 0.8:
        return legacy
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        why = _("No se reconoce la codificación del texto: ¿es un archivo binario?")
        raise ImportRefused(Message(why))
    return best.encoding


def _spanish_share(sample: bytes, encoding: str) -> float:
    """Of the sample's non-ASCII characters in ``encoding``, the share that Spanish and
    Guaraní text and office typography use."""
    others = NON_ASCII.findall(sample.decode(encoding, errors="replace"))
    return sum(c in SPANISH_CHARS for c in others) / max(1, len(others))


def sniff_delimiter(lines: list[str], score: HeaderScore) -> str:
    """The delimiter that splits a header line into the most known columns (a data row's
    «facebook|whatsapp» must not decide it); else the one that splits a line the most."""
    split = [
        {d: next(csv.reader([line], delimiter=d)) for d in DELIMITERS}
        for line in lines[:HEADER_SEARCH_ROWS]
    ]
    for line in split:
        known = {d: score([c.strip() for c in cells]) for d, cells in line.items()}
        best = max(known, key=known.__getitem__)  # the first of DELIMITERS on a tie
        if known[best] >= 2:
            return best
    widths = ((len(cells), d) for line in split for d, cells in line.items())
    return max(widths, key=lambda pair: pair[0], default=(1, ","))[1]


def read_csv(path: Path, score: HeaderScore) -> Table:
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    if len(CONTROLS.findall(text)) > max(8, len(text) // 50):
        raise ImportRefused(Message(_("El archivo no es texto legible (¿binario o dañado?)")))
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    first = lines[0].strip() if lines else ""
    if first.lower().startswith("sep=") and len(first) == 5:
        delimiter = first[4]  # Excel's explicit separator line
    else:
        delimiter = sniff_delimiter(lines, score)
    handle = open(path, encoding=encoding, errors="replace", newline="")  # noqa: SIM115
    # Records, not physical lines: a cell with line breaks is still one row.
    records: Rows = enumerate(csv.reader(handle, delimiter=delimiter), start=1)
    if not encoding.startswith("utf"):
        records = ((number, _marked(cells)) for number, cells in records)
    headers, rows = _find_header(_guarded(records, (csv.Error,), handle.close), score, EMPTY)
    return Table(headers, rows, "csv", encoding, delimiter)


def _marked(cells: list[str]) -> list[str]:
    """A row of a cp1252 file that holds UTF-8 text: its garbled letters marked unreadable
    ("\ufffd"), as decoding marks a cp1252 row of a UTF-8 file, so the row is rejected."""
    if MOJIBAKE.search("".join(cells)) is None:
        return cells
    return [MOJIBAKE.sub("\ufffd", c) for c in cells]


def _guarded(numbered: Rows, failures: tuple, close: Callable, cell_limit: int = 0) -> Rows:
    """The rows as read, stopped with a clear :class:`ImportRefused` at one too many, at a
    cell longer than ``cell_limit`` or where the reader fails (``failures``); then ``close``."""
    number = 0
    try:
        for row in numbered:
            number = row[0]
            if number > MAX_ROWS:
                raise ImportRefused(TOO_MANY_ROWS)
            if cell_limit and max(map(len, row[1]), default=0) > cell_limit:
                position, cell = next(
                    (p, c) for p, c in enumerate(row[1], 1) if len(c) > cell_limit
                )
                why = _(
                    "La celda %(cell)s de la fila %(row)s tiene %(length)s caracteres (máximo "
                    "%(limit)s, el de Excel): no se importó el archivo desde esa fila"
                )
                length, limit = f"{len(cell):,}", f"{cell_limit:,}"
                raise ImportRefused(
                    Message(why, cell=position, row=number, length=length, limit=limit)
                )
            text = "".join(row[1])
            if "\x00" in text:  # PostgreSQL cannot store it: every retry would fail
                why = _(
                    "La fila %(row)s tiene bytes nulos: guarde el archivo de nuevo como texto CSV"
                )
                raise ImportRefused(Message(why, row=number))
            if text.strip():  # not blank
                yield row
    except failures as error:
        number += 1
        if isinstance(error, csv.Error) and "field larger" in str(error):
            why = _(
                "La fila %(row)s tiene una celda de más de %(limit)s caracteres: no se importó "
                "el archivo desde esa fila"
            )
            raise ImportRefused(Message(why, row=number, limit=f"{MAX_CELL_CHARS:,}")) from None
        why = _(
            "El archivo está dañado o no es válido cerca de la fila %(row)s (%(error)s): no se "
            "importó desde esa fila"
        )
        raise ImportRefused(Message(why, row=number, error=error.__class__.__name__)) from None
    finally:
        close()


def _find_header(numbered: Rows, score: HeaderScore, empty: Message) -> tuple[list[str], Rows]:
    """(the header, the rows after it). Institutions' sheets often start with a title or
    notes: the first of the first rows with two known columns, else the first non-empty."""
    seen: list[tuple[int, list[str]]] = []
    chosen = 0
    for number, row in numbered:
        cells = [c.strip() for c in row]
        seen.append((number, row))
        if score(cells) >= 2:
            chosen = len(seen) - 1
            break
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise ImportRefused(empty)
    return [h.strip() for h in seen[chosen][1]], itertools.chain(seen[chosen + 1 :], numbered)


def _cell_text(value) -> str:
    """A workbook's cell as text: whole numbers without ".0", dates in ISO (a date typed in a
    sheet is a datetime at midnight)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat().removesuffix("T00:00:00")
    return str(value)


def _xlsx_refused(why: str, **params: object) -> ImportRefused:
    return ImportRefused(Message(_("XLSX rechazado: %(why)s"), why=Message(why, **params)))


def check_xlsx(path: Path) -> None:
    """Before openpyxl opens it: the declared sizes within the limits, and no XML part with
    a DTD (entity expansion, external entities: an XLSX never needs one)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            _within(sum(part.file_size for part in parts), MAX_XLSX_BYTES)
            for part in parts:
                name = part.filename
                shared = name.lower().endswith("sharedstrings.xml")
                limit = MAX_XLSX_SHARED_STRINGS_BYTES if shared else MAX_XLSX_PART_BYTES
                _within(part.file_size, limit, name)
            for part in parts:
                if (name := part.filename).lower().endswith((".xml", ".rels")):
                    # Up to the first element: a DTD can only come before it.
                    with archive.open(part) as xml:
                        next(iterparse(xml, events=("start",), forbid_dtd=True), None)
    except defusedxml.DefusedXmlException:
        why = _(
            "la parte «%(part)s» declara un DTD o entidades (posible ataque XXE o «billion laughs»)"
        )
        raise _xlsx_refused(why, part=name) from None
    except ParseError as exc:
        raise _xlsx_refused(
            _("la parte «%(part)s» no es XML válido (%(error)s)"), part=name, error=str(exc)
        ) from None
    except (*ZIP_FAILURES, NotImplementedError) as exc:
        raise _xlsx_refused(
            _("no es un ZIP válido (%(error)s)"), error=exc.__class__.__name__
        ) from None


def _within(size: int, limit: int, part: str = "") -> None:
    if size > limit:
        mb, most = f"{size // 2**20:,} MB", f"{limit // 2**20} MB"
        why = _("la parte «%(part)s» se expande a %(size)s (máximo %(limit)s); guárdelo como CSV")
        if not part:
            why = _("se expande a %(size)s (máximo %(limit)s); guárdelo como CSV")
        raise _xlsx_refused(why, part=part, size=mb, limit=most)


def read_xlsx(path: Path, score: HeaderScore) -> Table:
    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        declared_rows = sheet.max_row or 0  # from the sheet's <dimension>, if it has one
    except XLSX_FAILURES as exc:
        why = _("archivo dañado o XML no válido (%(error)s)")
        raise _xlsx_refused(why, error=exc.__class__.__name__) from None
    if declared_rows > MAX_ROWS:
        workbook.close()
        raise ImportRefused(TOO_MANY_ROWS)
    numbered = (
        (number, [_cell_text(v) for v in row])
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
    )
    rows = _guarded(numbered, XLSX_FAILURES, workbook.close, MAX_XLSX_CELL_CHARS)
    headers, rows = _find_header(rows, score, Message(_("La hoja está vacía")))
    while headers and not headers[-1]:
        headers.pop()
    count = len(workbook.worksheets)
    note = _("El libro tiene %(count)s hojas; se lee solo la primera («%(title)s»)")
    notes = [str(Message(note, count=count, title=sheet.title))] if count > 1 else []
    return Table(headers, rows, "xlsx", notes=notes)
