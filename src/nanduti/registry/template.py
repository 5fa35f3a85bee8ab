"""The import template: a sheet institutions can fill in as it is.

XLSX: sheet «casos» with the Spanish headers, one example row written in labels (what
people type; the importer turns labels into codes) and drop-down lists of the
vocabularies' labels (lists on the hidden sheet «listas»; multi-valued columns accept
several values separated by «|», so their list only suggests); sheet «columnas» explains
every column in Spanish and English. CSV: the header and the example row.
"""

from __future__ import annotations

import csv

from nanduti.registry import headers, schema
from nanduti.registry.io.normalise import code_label
from nanduti.taxonomy import vocab

TEMPLATE_FORMATS = ("xlsx", "csv")
# Given at import or set by the importer; the CTDC record comes only from CTDC files.
LEFT_OUT = {"institution", "source", "synthetic", "victim_ctdc"}
VALIDATED_ROWS = 2000


def template_columns() -> list[schema.Column]:
    return [c for c in schema.COLUMNS if c.name not in LEFT_OUT]


def example(column: schema.Column) -> str:
    """The column's example value from ``columns.toml``, codes written as labels."""
    value = headers.about(column.name).get("example", "")
    codes = value if isinstance(value, list) else [value] if value else []
    if column.choices == "district":  # the department column already says which one
        codes = [vocab.get("district").label(code) for code in codes]
    elif column.choices:
        codes = [code_label(column.choices, code) for code in codes]
    return schema.MULTI_SEPARATOR.join(codes)


def choice_labels(vocabulary: str) -> list[str]:
    terms = (*vocab.get(vocabulary), *vocab.SPECIAL_TERMS)
    return list(dict.fromkeys(term.label_es for term in terms))


VALUE_KINDS = {"int": "número / number", "year": "año / year", "date": "fecha / date"}
GUIDE_HEADINGS = {
    "label_es": "Encabezado",
    "help_es": "Qué contiene",
    "values": "Valores / values",
    "multi": "Varios valores / several values",
    "example": "Ejemplo / example",
    "label_en": "Header (English)",
    "help_en": "What it holds",
    "aliases": "Otros encabezados aceptados / other accepted headers",
}


def column_guide() -> list[dict[str, str]]:
    """Every template column explained (the template's second sheet, the import page)."""
    guide = []
    for column in template_columns():
        about = headers.about(column.name)
        if column.choices:
            meta = vocab.get(column.choices).meta
            values = f"{meta.get('label_es', column.choices)} / {meta.get('label_en', '')}"
        else:
            values = VALUE_KINDS.get(column.kind, "texto libre / free text")
        guide.append(
            {
                "label_es": headers.label(column.name, "es"),
                "help_es": about.get("help_es", ""),
                "values": values,
                "multi": "«|»" if column.multi else "",
                "example": example(column),
                "label_en": headers.label(column.name, "en"),
                "help_en": about.get("help_en", ""),
                "aliases": ", ".join([column.header_es, *headers.aliases(column.name)]),
            }
        )
    return guide


def explanation_rows() -> list[list[str]]:
    keys = list(GUIDE_HEADINGS)
    return [list(GUIDE_HEADINGS.values())] + [[e[k] for k in keys] for e in column_guide()]


def write_template(out, fmt: str = "xlsx") -> None:
    """Writes the template to ``out`` (a path or a binary file for XLSX, text for CSV)."""
    if fmt not in TEMPLATE_FORMATS:
        raise ValueError(f"formato desconocido «{fmt}» / unknown format «{fmt}»")
    columns = template_columns()
    header = [headers.label(c.name, "es") for c in columns]
    row = [example(c) for c in columns]
    if fmt == "csv":
        if isinstance(out, str | bytes) or hasattr(out, "__fspath__"):
            with open(out, "w", encoding="utf-8-sig", newline="") as fh:
                csv.writer(fh).writerows([header, row])
        else:
            csv.writer(out).writerows([header, row])
        return
    _write_xlsx(out, columns, header, row)


def _write_xlsx(out, columns: list[schema.Column], header: list[str], row: list[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    cases = book.active
    cases.title = "casos"
    cases.append(header)
    cases.append(row)
    cases.freeze_panes = "A2"
    for cell in cases[1]:
        cell.font = Font(bold=True)
    explained = book.create_sheet("columnas")
    for line in explanation_rows():
        explained.append(line)
    for cell in explained[1]:
        cell.font = Font(bold=True)
    lists = book.create_sheet("listas")
    lists.sheet_state = "hidden"
    list_columns: dict[str, str] = {}
    for position, column in enumerate(columns, start=1):
        vocabulary = column.choices
        if not vocabulary:
            continue
        if vocabulary not in list_columns:
            letter = get_column_letter(len(list_columns) + 1)
            labels = choice_labels(vocabulary)
            lists[f"{letter}1"] = vocabulary
            for number, text in enumerate(labels, start=2):
                lists[f"{letter}{number}"] = text
            source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(labels) + 1}"
            list_columns[vocabulary] = source
        # A multi-valued cell holds "A|B": the list suggests, it does not refuse.
        validation = DataValidation(
            type="list",
            formula1=f"={list_columns[vocabulary]}",
            allow_blank=True,
            showErrorMessage=not column.multi,
            errorTitle="Valor no válido / invalid value",
            error="Elija un valor de la lista / choose a value from the list",
            showInputMessage=column.multi,
            promptTitle=headers.label(column.name, "es")[:32],
            prompt="Varios valores: sepárelos con «|» / several values: separate with «|»",
        )
        letter = get_column_letter(position)
        validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
        cases.add_data_validation(validation)
    book.save(out)
