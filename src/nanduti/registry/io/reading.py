"""Reading tables from files: CSV in any common delimiter and encoding, and XLSX.

A :class:`Table` gives the header as written in the file and streams the rows as lists of
strings with their row number as a spreadsheet shows it (header = row 1). Nothing here
knows about cases; a file that cannot be read raises :class:`UnreadableFile`, also while
its rows are read.

Uploaded files may be hostile: CSV cells are limited in size, bytes are checked before
reading (NUL bytes, which PostgreSQL cannot store; a file that mixes encodings, which would
be stored garbled); an XLSX's declared uncompressed sizes are checked before it is opened
(a small zip can expand to gigabytes), its XML is parsed by defusedxml (no DTDs, hence no
entity expansion or external entities) and its cells and rows are limited.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import iterparse

SAMPLE_BYTES = 256 * 1024
SCAN_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
FORMATS = ("csv", "xlsx", "xlsform", "ctdc")
MAX_CELL_CHARS = 1 << 20  # a CSV cell; the normaliser's own limits are far lower
csv.field_size_limit(MAX_CELL_CHARS)
MAX_ROWS = 2_000_000
# XLSX: what openpyxl holds in memory grows with these (shared strings are all loaded; a
# cell's text is joined whole): within them an import stays well under 1 GiB.
MAX_XLSX_PART_BYTES = 256 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_XLSX_BYTES = 512 * 1024 * 1024
MAX_XLSX_CELL_CHARS = 32_767  # Excel's own limit
# A Latin letter written in UTF-8 (two bytes): what a file in cp1252 should not hold.
UTF8_LATIN = re.compile(rb"[\xc2\xc3][\x80-\xbf]")


class UnreadableFile(Exception):
    """Nothing could be read; the message is Spanish / English."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    container: str  # csv or xlsx
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)


def sniff_container(path: Path, fmt: str | None) -> str:
    """csv or xlsx, from the content first (extensions lie), then the extension."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if fmt == "xlsx" or suffix in (".xlsx", ".xlsm"):
        raise UnreadableFile(
            f"«{path.name}» no es un archivo XLSX válido (no es un ZIP) / "
            f"«{path.name}» is not a valid XLSX file (not a ZIP archive)"
        )
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "El formato XLS antiguo no se lee; guarde el archivo como XLSX o CSV / "
            "the old XLS format is not read; save the file as XLSX or CSV"
        )
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """Trust a BOM; else UTF-8 when it decodes; else ask charset-normalizer."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise UnreadableFile(
            "El archivo no es texto (contiene bytes nulos): ¿es un archivo binario? / "
            "the file is not text (it contains null bytes): is it a binary file?"
        )
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # the sample cut a character in two
            return "utf-8"
    letters = len(UTF8_LATIN.findall(sample))
    if letters:
        # Both encodings in one file: read it in the one most of it uses; the rows in the
        # other are rejected, never stored garbled (see _marked).
        strays = sample.decode("utf-8", errors="replace").count("\ufffd")
        return "utf-8" if letters >= strays else "cp1252"
    if _plausibly_spanish_cp1252(sample):
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise UnreadableFile(
            "No se reconoce la codificación del texto: ¿es un archivo binario? / "
            "the text encoding is not recognised: is it a binary file?"
        )
    name = best.encoding.lower().replace("_", "-")
    # Spreadsheets saved on Windows in Latin America are cp1252; it is a superset of
    # Latin-1 for printable text, so prefer it for the whole Western-European family.
    if name in ("latin-1", "iso8859-1", "iso-8859-1", "cp1252", "windows-1252", "iso8859-15"):
        return "cp1252"
    return name


# Non-ASCII characters of Spanish and Guaraní text and of office typography.
SPANISH_CHARS = set("áéíóúýñüÁÉÍÓÚÝÑÜ¿¡ºª°“”‘’—–…·ãẽĩõũỹÃẼĨÕŨỸ€«»")


def _plausibly_spanish_cp1252(sample: bytes) -> bool:
    """Short samples fool statistical detectors (cp1250 vs cp1252); Spanish text in
    cp1252 decodes to the few accented letters above."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    foreign = [c for c in text if ord(c) > 127]
    return bool(foreign) and sum(c in SPANISH_CHARS for c in foreign) >= 0.8 * len(foreign)


def sniff_delimiter(lines: list[str], score: HeaderScore | None) -> str:
    """The delimiter that splits the header line into the most known columns (a data row's
    «facebook|whatsapp» must not decide it); without a known header, the line of the first
    rows with the most delimiters decides."""
    if score is not None:
        best = (0, ",")
        for line in lines[:HEADER_SEARCH_ROWS]:
            for delimiter in DELIMITERS:
                known = score([c.strip() for c in next(csv.reader([line], delimiter=delimiter))])
                if known > best[0]:
                    best = (known, delimiter)
            if best[0] >= 2:
                return best[1]
    counts = (
        (_count_outside_quotes(line, d), d)
        for line in lines[:HEADER_SEARCH_ROWS]
        for d in DELIMITERS
    )
    count, delimiter = max(counts, key=lambda pair: pair[0], default=(0, ","))
    return delimiter if count else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


HeaderScore = Callable[[list[str]], int]
HEADER_SEARCH_ROWS = 10
# What cp1252 makes of a Latin letter written in UTF-8 ("ó" → "Ã³").
MOJIBAKE = re.compile(
    "[ÂÃ][" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", errors="replace")) + "]"
)


def _marked(cells: list[str]) -> list[str]:
    """A row of a cp1252 file that holds UTF-8 text: its garbled letters marked unreadable
    ("\ufffd"), as decoding marks a cp1252 row of a UTF-8 file, so the row is rejected."""
    if MOJIBAKE.search("".join(cells)) is None:
        return cells
    return [MOJIBAKE.sub("\ufffd", c) for c in cells]


def _bad_rows(error: Exception, number: int) -> UnreadableFile:
    if isinstance(error, csv.Error) and "field larger" in str(error):
        return UnreadableFile(
            f"La fila {number} tiene una celda de más de {MAX_CELL_CHARS:,} caracteres: no se "
            f"importó el archivo desde esa fila / row {number} has a cell longer than "
            f"{MAX_CELL_CHARS:,} characters: the file was not imported from that row on"
        )
    name = error.__class__.__name__
    return UnreadableFile(
        f"El archivo está dañado o no es válido cerca de la fila {number} ({name}): no se "
        f"importó desde esa fila / the file is damaged or invalid near row {number} ({name}): "
        "it was not imported from that row on"
    )


def _too_many_rows() -> UnreadableFile:
    return UnreadableFile(
        f"El archivo tiene más de {MAX_ROWS:,} filas: divídalo / the file has more than "
        f"{MAX_ROWS:,} rows: split it"
    )


def _guarded(numbered: Iterator, failures: tuple) -> Iterator:
    """Rows with their number as read, stopped with a clear :class:`UnreadableFile` when
    the reader fails on damaged content (``failures``) or the file has too many rows."""
    number = 0
    try:
        for item in numbered:
            number = item[0]
            if number > MAX_ROWS:
                raise _too_many_rows()
            yield item
    except failures as error:
        raise _bad_rows(error, number + 1) from None


def _find_header(
    numbered: Iterator[tuple[int, list[str]]], score: HeaderScore | None
) -> tuple[list[str], Iterator[tuple[int, list[str]]]] | None:
    """The header row: institutions' sheets often start with a title or notes, so the first
    of the first rows with at least two known columns, else the first non-empty row.
    Returns (header, the rows after it) or None for an empty table."""
    seen: list[tuple[int, list[str]]] = []
    chosen = 0
    for number, row in numbered:
        cells = [str(c).strip() for c in row]
        if not any(cells) or (len(cells) == 1 and cells[0].lower().startswith("sep=")):
            continue  # blank, or Excel's "sep=;" line
        seen.append((number, row))
        if score is not None and score(cells) >= 2:
            chosen = len(seen) - 1
            break
        if score is None or len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return None
    rest = itertools.chain(seen[chosen + 1 :], numbered)
    return [str(h).strip() for h in seen[chosen][1]], rest


CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    return len(CONTROLS.findall(text)) > max(8, len(text) // 50)


def read_csv(path: Path, score: HeaderScore | None = None) -> Table:
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        raise UnreadableFile("El archivo está vacío / the file is empty")
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="replace")
    if _looks_binary(text_sample):
        raise UnreadableFile(
            "El archivo no es texto legible (¿binario o dañado?) / "
            "the file is not readable text (binary or damaged?)"
        )
    _check_bytes(path, encoding)
    lines = [line for line in text_sample.splitlines()[:50] if line.strip()]
    header_line = lines[0] if lines else ""
    if header_line.lower().startswith("sep=") and len(header_line.strip()) == 5:
        delimiter = header_line.strip()[4]  # Excel's explicit separator line
    else:
        delimiter = sniff_delimiter(lines, score)
    handle = open(path, encoding=encoding, errors="replace", newline="")  # noqa: SIM115
    # Records, not physical lines: a cell with line breaks is still one row.
    records: Iterator[tuple[int, list[str]]] = enumerate(
        csv.reader(handle, delimiter=delimiter), start=1
    )
    if not encoding.startswith("utf"):
        records = ((number, _marked(cells)) for number, cells in records)
    found = _find_header(_guarded(records, (csv.Error,)), score)
    if found is None:
        handle.close()
        raise UnreadableFile("El archivo está vacío / the file is empty")
    headers, rest = found

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            yield from rest

    return Table(headers, rows(), "csv", encoding, delimiter)


def _check_bytes(path: Path, encoding: str) -> None:
    """Refuses a text file with NUL bytes anywhere (PostgreSQL cannot store them, and every
    retry of the import would fail on them), naming their line."""
    if encoding.startswith("utf-16"):
        return  # NUL bytes are half its characters
    line = 1
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(SCAN_BYTES), b""):
            at = block.find(b"\x00")
            if at >= 0:
                line += block.count(b"\n", 0, at)
                raise UnreadableFile(
                    f"El archivo tiene bytes nulos (línea {line}): guárdelo de nuevo como texto "
                    f"CSV / the file holds NUL bytes (line {line}): save it again as CSV text"
                )
            line += block.count(b"\n")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# What openpyxl may raise on a damaged or hostile workbook's content (defusedxml's refusals
# are ValueErrors).
XLSX_FAILURES = (
    ParseError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    EOFError,
    OSError,
    zipfile.BadZipFile,
    zlib.error,
)


def _xlsx_refused(why_es: str, why_en: str) -> UnreadableFile:
    return UnreadableFile(f"XLSX rechazado: {why_es} / XLSX refused: {why_en}")


def check_xlsx(path: Path) -> None:
    """Before openpyxl opens it: the sizes the zip declares (which bound what it can expand
    to) within the limits, and no XML part with a DTD (entity expansion, external entities:
    an XLSX never needs one), checked by defusedxml on each part's prolog."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            total = sum(part.file_size for part in parts)
            if total > MAX_XLSX_BYTES:
                raise _xlsx_refused(
                    f"se expande a {total // 2**20:,} MB (máximo {MAX_XLSX_BYTES // 2**20} MB); "
                    "guárdelo como CSV",
                    f"it expands to {total // 2**20:,} MB (at most {MAX_XLSX_BYTES // 2**20} MB); "
                    "save it as CSV",
                )
            for part in parts:
                limit = MAX_XLSX_PART_BYTES
                if part.filename.lower().endswith("sharedstrings.xml"):
                    limit = MAX_XLSX_SHARED_STRINGS_BYTES
                if part.file_size > limit:
                    raise _xlsx_refused(
                        f"la parte «{part.filename}» se expande a {part.file_size // 2**20:,} MB "
                        f"(máximo {limit // 2**20} MB); guárdelo como CSV",
                        f"part «{part.filename}» expands to {part.file_size // 2**20:,} MB "
                        f"(at most {limit // 2**20} MB); save it as CSV",
                    )
                if part.filename.lower().endswith((".xml", ".rels")):
                    with archive.open(part) as xml:
                        _check_prolog(xml, part.filename)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise _xlsx_refused(
            f"no es un ZIP válido ({exc.__class__.__name__})",
            f"not a valid ZIP archive ({exc.__class__.__name__})",
        ) from None


def _check_prolog(xml, name: str) -> None:
    """Parses an XML part up to its first element: a DTD can only come before it."""
    try:
        for _event, _element in iterparse(xml, events=("start",), forbid_dtd=True):
            return
    except defusedxml.DefusedXmlException:
        raise _xlsx_refused(
            f"la parte «{name}» declara un DTD o entidades (posible ataque XXE o «billion laughs»)",
            f"part «{name}» declares a DTD or entities (a possible XXE or billion-laughs attack)",
        ) from None
    except ParseError as exc:
        raise _xlsx_refused(
            f"la parte «{name}» no es XML válido ({exc})",
            f"part «{name}» is not valid XML ({exc})",
        ) from None


def read_xlsx(path: Path, score: HeaderScore | None = None) -> Table:
    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        declared_rows = sheet.max_row or 0  # from the sheet's <dimension>, when it has one
    except XLSX_FAILURES as exc:
        raise _xlsx_refused(
            f"archivo dañado o XML no válido ({exc.__class__.__name__})",
            f"a damaged file or invalid XML ({exc.__class__.__name__})",
        ) from None
    if declared_rows > MAX_ROWS:
        workbook.close()
        raise _too_many_rows()
    numbered = (
        (number, [_cell_text(v) for v in row])
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
    )
    found = _find_header(_guarded(_cells_limited(numbered), XLSX_FAILURES), score)
    if found is None:
        workbook.close()
        raise UnreadableFile("La hoja está vacía / the sheet is empty")
    headers, rest = found
    while headers and not headers[-1]:
        headers.pop()
    notes = []
    if len(workbook.worksheets) > 1:
        notes.append(
            f"El libro tiene {len(workbook.worksheets)} hojas; se lee solo la primera "
            f"(«{sheet.title}») / the workbook has {len(workbook.worksheets)} sheets; only the "
            f"first («{sheet.title}») is read"
        )

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from rest
        finally:
            workbook.close()

    return Table(headers, rows(), "xlsx", notes=notes)


def _cells_limited(numbered: Iterator[tuple[int, list[str]]]) -> Iterator:
    for number, cells in numbered:
        for position, cell in enumerate(cells):
            if len(cell) > MAX_XLSX_CELL_CHARS:
                raise UnreadableFile(
                    f"La celda {position + 1} de la fila {number} tiene {len(cell):,} caracteres "
                    f"(máximo {MAX_XLSX_CELL_CHARS:,}, el de Excel): no se importó el archivo "
                    f"desde esa fila / cell {position + 1} of row {number} has {len(cell):,} "
                    f"characters (at most {MAX_XLSX_CELL_CHARS:,}, Excel's limit): the file "
                    "was not imported from that row on"
                )
        yield number, cells


def open_table(path: Path, fmt: str | None = None, score: HeaderScore | None = None) -> Table:
    if not path.exists():
        raise UnreadableFile(f"No existe el archivo «{path}» / no such file «{path}»")
    if path.stat().st_size == 0:
        raise UnreadableFile("El archivo está vacío / the file is empty")
    container = sniff_container(path, fmt)
    return read_xlsx(path, score) if container == "xlsx" else read_csv(path, score)
