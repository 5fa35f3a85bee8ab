"""Reading tables from files: CSV in any common delimiter and encoding, and XLSX.

A :class:`Table` gives the header as written in the file and streams the rows as lists of
strings with their row number as a spreadsheet shows it (header = row 1). Nothing here
knows about cases; a file that cannot be read raises :class:`UnreadableFile`.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
FORMATS = ("csv", "xlsx", "xlsform", "ctdc")
csv.field_size_limit(16 * 1024 * 1024)


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
    header_number: int = 0  # the header's row number
    seekable: bool = False  # CSV whose records can be read from a byte offset (see records_at)


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


def detect_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


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


def _find_header(
    numbered: Iterator[tuple[int, list[str]]], score: HeaderScore | None
) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]] | None:
    """The header row: institutions' sheets often start with a title or notes, so the first
    of the first rows with at least two known columns, else the first non-empty row.
    Returns (header, its row number, the rows after it) or None for an empty table."""
    seen: list[tuple[int, list[str]]] = []
    for number, row in numbered:
        cells = [str(c).strip() for c in row]
        if not any(cells) or (len(cells) == 1 and cells[0].lower().startswith("sep=")):
            continue  # blank, or Excel's "sep=;" line
        seen.append((number, row))
        if score is None or score(cells) >= 2 or len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return None
    chosen = 0
    if score is not None:
        chosen = next(
            (i for i, (_n, r) in enumerate(seen) if score([str(c).strip() for c in r]) >= 2), 0
        )
    number, header = seen[chosen]
    rest = itertools.chain(seen[chosen + 1 :], numbered)
    return [str(h).strip() for h in header], number, rest


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t")
    return controls > max(8, len(text) // 50)


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
    lines = [line for line in text_sample.splitlines()[:50] if line.strip()]
    header_line = lines[0] if lines else ""
    if header_line.lower().startswith("sep=") and len(header_line.strip()) == 5:
        delimiter = header_line.strip()[4]  # Excel's explicit separator line
    else:
        delimiter = detect_delimiter(
            max(lines[:HEADER_SEARCH_ROWS], key=_delimiter_hits, default="")
        )
    handle = open(path, encoding=encoding, errors="replace", newline="")  # noqa: SIM115
    # Records, not physical lines: a cell with line breaks is still one row.
    found = _find_header(enumerate(csv.reader(handle, delimiter=delimiter), start=1), score)
    if found is None:
        handle.close()
        raise UnreadableFile("El archivo está vacío / the file is empty")
    headers, header_number, rest = found

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            yield from rest

    # Binary lines split only on "\n": UTF-16 has that byte inside characters, and a file
    # with bare "\r" line ends would come as one line.
    seekable = not encoding.startswith("utf-16") and not _bare_carriage_return(sample)
    return Table(
        headers,
        rows(),
        "csv",
        encoding,
        delimiter,
        header_number=header_number,
        seekable=seekable,
    )


def _bare_carriage_return(sample: bytes) -> bool:
    return sample.count(b"\r") != sample.count(b"\r\n")


def records_at(
    path: Path, table: Table, offset: int = 0, number: int = 1
) -> Iterator[tuple[int, list[str], int]]:
    """(row number, cells, byte offset where the record starts) of each CSV record from a
    byte offset (a record's start, as an earlier read gave it) whose row number is
    ``number``. Lets a worker process read only its share of a large file."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        end = offset
        encoding = table.encoding

        def lines() -> Iterator[str]:
            nonlocal end
            for raw in fh:
                end += len(raw)
                yield raw.decode(encoding, errors="replace")

        start = offset
        # csv.reader takes lines only as a record needs them: after each record, ``end``
        # is where the next one starts.
        for cells in csv.reader(lines(), delimiter=table.delimiter):
            yield number, cells, start
            number += 1
            start = end


def _delimiter_hits(line: str) -> int:
    return max(_count_outside_quotes(line, d) for d in DELIMITERS)


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


def read_xlsx(path: Path, score: HeaderScore | None = None) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(
            f"No se pudo abrir el XLSX ({exc.__class__.__name__}) / "
            f"could not open the XLSX ({exc.__class__.__name__})"
        ) from None
    sheet = workbook.worksheets[0]
    numbered = (
        (number, [_cell_text(v) for v in row])
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
    )
    found = _find_header(numbered, score)
    if found is None:
        workbook.close()
        raise UnreadableFile("La hoja está vacía / the sheet is empty")
    headers, _header_row, rest = found
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


def open_table(path: Path, fmt: str | None = None, score: HeaderScore | None = None) -> Table:
    if not path.exists():
        raise UnreadableFile(f"No existe el archivo «{path}» / no such file «{path}»")
    if path.stat().st_size == 0:
        raise UnreadableFile("El archivo está vacío / the file is empty")
    container = sniff_container(path, fmt)
    return read_xlsx(path, score) if container == "xlsx" else read_csv(path, score)
