"""A KoboToolbox / ODK form (XLSForm) generated from the import schema and the vocabularies.

Field names are the schema's Spanish headers and choice names the vocabularies' codes, so
a Kobo export of its submissions ("XML values and headers") imports as it is
(``registry.xlsform.Adapter``). Labels and hints come from ``data/columns.toml`` and the
vocabularies, in Spanish and English. Every question is optional and every list (but the
institutions') offers «Desconocido» and «No preguntado»: a survivor is never forced to
answer.

Left out on purpose: identifying data (a Kobo server is not Ñandutí's encrypted store),
perpetrators (parallel lists per person, which one flat submission cannot hold; record
them in Ñandutí), the owning institution (given at import), and values the importer
derives (the CTDC age band) or sets (source, synthetic), and the CTDC record (CTDC files only).
"""

from __future__ import annotations

import hashlib

from nanduti.registry import headers, schema
from nanduti.taxonomy import vocab

FORM_ID = "nanduti_casos"
LANGUAGES = (("es", "Español (es)"), ("en", "English (en)"))
LEFT_OUT = {"institution", "source", "synthetic", "victim_age_band_ctdc", "victim_ctdc"}
# (group name, Spanish label, English label, schema levels). Several submissions with one
# case reference are victims of one case: case and referral answers are the case's.
GROUPS = (
    ("caso", "Datos del caso", "Case", ("case", "referral")),
    ("tecnologia", "Tecnologías usadas", "Technologies used", ("technology",)),
    ("victima", "Víctima", "Victim", ("victim",)),
    ("asistencia", "Asistencia a la víctima", "Assistance to the victim", ("assistance",)),
)
KIND_TYPES = {"text": "text", "int": "integer", "year": "integer", "date": "date"}
CONSTRAINTS = {"int": ". >= 0 and . <= 120", "year": ". >= 1900 and . <= 2100"}
# District lists show the districts of the department chosen just before.
DISTRICT_OF = {"district": "department", "origin_district": "origin_department"}


def form_columns() -> list[schema.Column]:
    return [
        c
        for c in schema.COLUMNS
        if c.name not in LEFT_OUT and c.kind != "identifying" and c.level != "perpetrator"
    ]


def _labelled(es: str, en: str) -> dict[str, str]:
    return {f"label::{LANGUAGES[0][1]}": es, f"label::{LANGUAGES[1][1]}": en}


def _question(column: schema.Column) -> dict[str, str]:
    if not column.choices:
        kind = KIND_TYPES.get(column.kind, "text")
    else:
        kind = f"select_{'multiple' if column.multi else 'one'} {column.choices}"
    row = {
        "type": kind,
        "name": column.header_es,
        **_labelled(headers.label(column.name, "es"), headers.label(column.name, "en")),
        f"hint::{LANGUAGES[0][1]}": headers.about(column.name).get("help_es", ""),
        f"hint::{LANGUAGES[1][1]}": headers.about(column.name).get("help_en", ""),
        "constraint": CONSTRAINTS.get(column.kind, ""),
        "choice_filter": "",
    }
    if column.name in DISTRICT_OF:
        department = schema.BY_NAME[DISTRICT_OF[column.name]].header_es
        row["choice_filter"] = f"departamento=${{{department}}} or departamento=''"
    return row


def survey() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    columns = form_columns()
    for name, label_es, label_en, levels in GROUPS:
        rows.append({"type": "begin_group", "name": name, **_labelled(label_es, label_en)})
        rows.extend(_question(c) for c in columns if c.level in levels)
        rows.append({"type": "end_group", "name": name})
    return rows


def _choices_of(list_name: str) -> list[dict[str, str]]:
    vocabulary = vocab.get(list_name)
    terms = list(vocabulary)
    if list_name == "platform":
        # A technology category alone ("another social network") is a valid answer too,
        # unless its code or a label names a platform (the importer would read that).
        terms += [
            t
            for t in vocab.get("technology")
            if all(
                vocabulary.normalize(name, fuzzy=False) is None
                for name in (t.code, t.label_es, t.label_en)
            )
        ]
    if list_name != "institution":  # a referral names an institution or is not recorded
        terms += vocab.SPECIAL_TERMS
    rows = []
    for term in terms:
        row = {"list_name": list_name, "name": term.code}
        row |= _labelled(term.label_es, term.label_en)
        row["departamento"] = term.parent if list_name == "district" else ""
        rows.append(row)
    return rows


def choices() -> list[dict[str, str]]:
    lists = dict.fromkeys(c.choices for c in form_columns() if c.choices)
    return [row for name in lists for row in _choices_of(name)]


def version() -> str:
    """Changes whenever the columns file or a vocabulary the form lists changes."""
    digest = hashlib.sha256(headers.version().encode())
    for name in sorted({row["list_name"] for row in choices()}):
        digest.update(vocab.get(name).sha256.encode())
    return f"{headers.version()}-{digest.hexdigest()[:8]}"


def _sheet(book, title: str, rows: list[dict[str, str]]) -> None:
    sheet = book.create_sheet(title)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])


def write_form(out) -> int:
    """Writes the XLSForm to ``out`` (path or binary file); returns the questions written."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    questions = survey()
    _sheet(book, "survey", questions)
    _sheet(book, "choices", choices())
    settings = {
        "form_title": "Ñandutí — registro de casos",
        "form_id": FORM_ID,
        "version": version(),
        "default_language": LANGUAGES[0][1],
    }
    _sheet(book, "settings", [settings])
    book.save(out)
    return sum(1 for q in questions if not q["type"].endswith("_group"))
