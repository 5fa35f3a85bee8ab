"""Reading and writing series files: CSV and XLSX (the template) and SDMX-CSV 2.0.

SDMX-CSV goes through pysdmx, a maintained SDMX library that reads and writes SDMX-CSV
1.0/2.0 itself; we give it the columns as a dataflow schema and a data frame.
"""

from __future__ import annotations

import csv
import io

from nanduti.figures.columns import DIMENSIONS, META, OBSERVATION, all_columns, header_index
from nanduti.figures.models import Series
from nanduti.figures.validate import format_value
from nanduti.taxonomy import vocab

AGENCY, DATAFLOW, DATAFLOW_VERSION = "NANDUTI", "OFFICIAL_FIGURES", "1.0"
SDMX_TOTAL = "_T"


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (bilingual message)."""


def _records(header: list, lines) -> list[tuple[int, dict]]:
    index = header_index()
    names = [index.get(vocab.fold(str(h or ""))) for h in header]
    unknown = [str(h) for h, n in zip(header, names, strict=True) if n is None and h]
    if unknown:
        raise UnreadableFile(
            f"columnas desconocidas: {', '.join(unknown)} / unknown columns: {', '.join(unknown)}"
        )
    if "series" not in names or "period" not in names or "value" not in names:
        raise UnreadableFile(
            "faltan las columnas serie, período y valor / "
            "the series, period and value columns are missing"
        )
    out = []
    for number, line in lines:
        cells = ["" if c is None else str(c).strip() for c in line]
        if not any(cells):
            continue
        out.append((number, {n: c for n, c in zip(names, cells, strict=False) if n}))
    return out


def read(filename: str, content: bytes) -> list[tuple[int, dict]]:
    """(row number, {column: text}) of any supported file; row 1 is the header."""
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("el archivo no está en UTF-8 / the file is not UTF-8 text") from exc
    if text.startswith(("STRUCTURE,", "DATAFLOW,")):
        return _read_sdmx(text)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise UnreadableFile("el archivo está vacío / the file is empty")
    return _records(rows[0], enumerate(rows[1:], start=2))


def _read_xlsx(content: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(f"XLSX ilegible / unreadable XLSX: {exc}") from exc
    sheet = book["datos"] if "datos" in book.sheetnames else book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise UnreadableFile("la hoja está vacía / the sheet is empty")
    return _records(list(rows[0]), enumerate(rows[1:], start=2))


def _read_sdmx(text: str) -> list[tuple[int, dict]]:
    from pysdmx.io.csv.sdmx20.reader import read as read_sdmx

    try:
        datasets = read_sdmx(text)
    except Exception as exc:  # pysdmx raises its own Invalid and pandas errors
        raise UnreadableFile(f"SDMX-CSV ilegible / unreadable SDMX-CSV: {exc}") from exc
    out, offset = [], 2
    for dataset in datasets:
        frame = dataset.data.fillna("")
        header = [c for c in frame.columns]
        lines = [
            [("" if v == SDMX_TOTAL else v) for v in values]
            for values in frame.itertuples(index=False)
        ]
        out += _records(header, enumerate(lines, start=offset))
        offset += len(lines)
    return out


def rows_of(series: Series) -> list[dict]:
    """One dict per observation, every column filled (metadata repeated)."""
    meta = {name: getattr(series, name) for name in META if name not in ("series", "published")}
    meta["series"] = series.key
    meta["published"] = "yes" if series.published else "no"
    out = []
    for o in series.observations.all():
        row = dict(meta, period=o.period, value=format_value(o.value), note=o.note)
        row.update({d: o.dims.get(d, "") for d in DIMENSIONS})
        out.append(row)
    return out


def _columns(series_list) -> list[str]:
    used = {d for s in series_list for d in s.dimensions}
    dims = [d for d in DIMENSIONS if d in used]
    return [*META, "period", *dims, "value", "note"]


def write_csv(series_list: list[Series]) -> str:
    columns = _columns(series_list)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for s in series_list:
        writer.writerows(rows_of(s))
    return buf.getvalue()


def _schema(columns: list[str]):
    from pysdmx.model import Concept, DataType
    from pysdmx.model.dataflow import Component, Components, Role, Schema

    sdmx_ids = {name: ids[2] for name, ids in all_columns().items()}

    def role(name):
        if name == "value":
            return Role.MEASURE
        if name in ("series", "period", *DIMENSIONS):
            return Role.DIMENSION
        return Role.ATTRIBUTE

    components = [
        Component(
            id=sdmx_ids[name],
            required=role(name) != Role.ATTRIBUTE,
            role=role(name),
            concept=Concept(id=sdmx_ids[name], dtype=DataType.STRING),
            attachment_level=("O" if name in OBSERVATION else "D")
            if role(name) == Role.ATTRIBUTE
            else None,
        )
        for name in columns
    ]
    return Schema(
        context="dataflow",
        agency=AGENCY,
        id=DATAFLOW,
        version=DATAFLOW_VERSION,
        components=Components(components),
    )


def write_sdmx(series_list: list[Series]) -> str:
    """SDMX-CSV 2.0: one dataflow, every dimension present (``_T`` = total)."""
    import pandas as pd
    from pysdmx.io.csv.sdmx20.writer import write
    from pysdmx.io.pd import PandasDataset

    columns = _columns(series_list)
    sdmx_ids = {name: ids[2] for name, ids in all_columns().items()}
    records = []
    for s in series_list:
        for row in rows_of(s):
            for d in DIMENSIONS:
                row[d] = row[d] or SDMX_TOTAL
            records.append({sdmx_ids[c]: row[c] for c in columns})
    frame = pd.DataFrame(records, columns=[sdmx_ids[c] for c in columns], dtype="string")
    text = write([PandasDataset(structure=_schema(columns), data=frame)])
    assert text is not None  # without an output path the writer returns the text
    return text
