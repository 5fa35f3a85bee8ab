"""The XLSX template: labelled columns, drop-downs from the vocabularies, an example row."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nanduti.figures.columns import DIMENSIONS, META, label
from nanduti.figures.models import Measure, Unit
from nanduti.taxonomy import vocab

COLUMNS = [*META, "period", *DIMENSIONS, "value", "note"]
INSTRUCTIONS = [
    "Una fila por cifra. Los datos de la serie (institución, fuente…) basta darlos en su "
    "primera fila. / One row per figure. The series' details (institution, source…) need only "
    "be given on its first row.",
    "Período: 2020 (año) o 2020-03 (mes). Una dimensión vacía es el total. / Period: 2020 "
    "(year) or 2020-03 (month). An empty dimension is the total.",
    "Una cifra que la fuente no da (n/a) se omite; no se escribe 0. / A figure the source "
    "does not give (n/a) is left out; do not write 0.",
    "Una fuente corregida se vuelve a cargar con la misma serie: queda como nueva versión. / "
    "A corrected source is loaded again under the same series: it becomes a new version.",
]


def _choices(name: str) -> list[str]:
    if name == "unit":
        return [u.value for u in Unit]
    if name == "measure":
        return [m.value for m in Measure]
    if name == "published":
        return ["sí", "no"]
    return [t.label_es for t in vocab.get(name)]


def xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "datos"
    lists = book.create_sheet("listas")
    lists.sheet_state = "hidden"
    sheet.append([label(c) for c in COLUMNS])
    list_column = 0
    for index, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 22
        if name not in ("institution", "unit", "measure", "published", *DIMENSIONS):
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        values = _choices(name)
        lists.cell(1, list_column, name)
        for row, value in enumerate(values, start=2):
            lists.cell(row, list_column, value)
        rule = DataValidation(
            type="list",
            formula1=f"listas!${list_letter}$2:${list_letter}${len(values) + 1}",
            allow_blank=True,
        )
        rule.error = "Elija un valor de la lista / choose a value from the list"
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}2000")
    notes = book.create_sheet("instrucciones")
    for line in INSTRUCTIONS:
        notes.append([line])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
