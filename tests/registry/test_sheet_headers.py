"""Institutions' sheets as they are: their headers, their labels, the import template."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from nanduti.registry import headers, schema
from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, Victim
from nanduti.registry.sealed import unseal
from nanduti.registry.template import template_columns

# (header as institutions write it, the column it must fill)
WRITTEN = [
    ("Referencia", "case_reference"),
    ("Nº de causa", "case_reference"),
    ("N° causa", "case_reference"),
    ("N.º de Causa", "case_reference"),
    ("NRO. CAUSA", "case_reference"),
    ("Número de la causa", "case_reference"),
    ("Carpeta fiscal", "case_reference"),
    ("Carpeta Fiscal Nº", "case_reference"),
    ("Expediente", "case_reference"),
    ("expediente_nro", "case_reference"),
    ("Fecha", "reported_on"),
    ("Fecha del hecho", "reported_on"),
    ("FECHA DEL HECHO", "reported_on"),
    ("Víctima", "victim_name"),
    ("Victima", "victim_name"),
    ("Nº de víctima", "victim_reference"),
    ("Edad", "victim_age"),
    ("Edad (años)", "victim_age"),
    ("Sexo", "victim_sex"),
    ("SEXO", "victim_sex"),
    ("Departamento", "department"),
    ("Dpto.", "department"),
    ("Ciudad", "district"),
    ("Red social", "platforms_recruitment"),
    ("Redes sociales", "platforms_recruitment"),
    ("Medio de captación", "platforms_recruitment"),
    ("medio_de_captacion", "platforms_recruitment"),
]
CASE_NUMBER_HEADERS = [h for h, name in WRITTEN if name == "case_reference"]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.mark.parametrize(("written", "name"), WRITTEN)
def test_headers_people_write_name_their_column(written, name):
    column = schema.column_for(written)
    assert column is not None and column.name == name


def test_every_alias_names_only_its_own_column():
    # an alias that folded onto another column's header would silently move data
    index = schema.header_index()
    for column in schema.COLUMNS:
        for alias in (*headers.aliases(column.name), headers.label(column.name)):
            assert index[headers.header_key(alias)].name == column.name, alias


@pytest.mark.django_db
@pytest.mark.parametrize("reference_header", CASE_NUMBER_HEADERS)
def test_a_sheet_keeps_its_case_numbers(tmp_path, institutions, reference_header):
    # The sheet of the issue: every header below as an institution writes it.
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            reference_header,
            "Fecha del hecho",
            "Víctima",
            "Edad",
            "Sexo",
            "Departamento",
            "Ciudad",
            "Red social",
            "Medio de captación",
        ]
    )
    sheet.append(
        ["2023-118", "15/08/2023", "A. B.", 15, "Femenino", "Alto Paraná", "Ciudad del Este"]
        + ["Facebook", "WhatsApp"]
    )
    sheet.append(["2023-119", "02/09/2023", "", 19, "Masculino", "Itapúa", "Encarnación", "", ""])
    path = tmp_path / "planilla.xlsx"
    book.save(path)
    report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (2, 0), report.errors
    assert not any("desconocidas" in w for w in report.warnings), report.warnings
    assert sorted(Case.objects.values_list("reference", flat=True)) == ["2023-118", "2023-119"]
    first = Case.objects.get(reference="2023-118")
    assert (first.reported_on, first.department) == (date(2023, 8, 15), "alto_parana")
    assert first.district == "alto_parana.ciudad_del_este"
    victim = Victim.objects.get(case=first)
    assert (victim.sex, victim.age) == ("female", 15)
    # «Red social» and «Medio de captación» both name recruitment platforms: the first is
    # read, and the report says so
    assert list(first.technologies.values_list("platform", flat=True)) == ["facebook"]
    assert any("Medio de captación" in w for w in report.warnings)


@pytest.mark.django_db
def test_unknown_columns_are_named_and_the_raw_file_kept(tmp_path, institutions):
    path = tmp_path / "otra.csv"
    path.write_text("Nº de causa;Fiscal a cargo;Edad\n45/2024;Dra. X;30\n", encoding="utf-8")
    report = import_file(path, institution="UFETESI")
    assert report.stored == 1 and Case.objects.filter(reference="45/2024").exists()
    assert any("Fiscal a cargo" in w for w in report.warnings)
    kept = list((tmp_path / "var" / "raw").rglob("*.csv.sealed"))  # encrypted at rest
    assert len(kept) == 1
    opened = unseal(kept[0], tmp_path / "opened.csv")
    assert "Dra. X" in opened.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_messages_show_labels_not_codes(tmp_path, institutions):
    path = tmp_path / "mal.csv"
    path.write_text(
        "Referencia,Departamento,Ciudad\nM-1,Itapua,Encarnasion del Sur\nM-2,Guaira,Asuncion\n"
        "M-3,Atlantida,\n",
        encoding="utf-8",
    )
    report = import_file(path, institution="UFETESI")
    assert report.rejected == 3
    problems = [p for entry in report.errors for p in entry["errors"]]
    shown = " ".join(p["message"] for p in problems)
    # no internal codes (itapua.encarnacion, guaira) in what people read
    assert "itapua." not in shown and "guaira" not in shown.replace("Guaira", "")
    assert "Encarnación (Itapúa)" in shown
    assert "Guairá" in shown  # the district is not in department «Guairá»


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_example_row_imports(tmp_path, institutions, fmt):
    path = tmp_path / f"plantilla.{fmt}"
    call_command("import", template=fmt, output=str(path))
    report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (1, 0), report.errors
    assert not any("desconocidas" in w for w in report.warnings)
    case = Case.objects.get(reference="2024-0153")
    assert (case.department, case.district) == ("alto_parana", "alto_parana.ciudad_del_este")
    assert case.reported_on == date(2024, 3, 15) and case.transfer_type == "international"
    assert sorted(case.means_of_control) == ["debt_bondage", "threats"]
    assert list(case.exploitations.values_list("type", flat=True)) == ["sexual"]
    assert sorted(case.technologies.values_list("platform", flat=True)) == [
        "facebook",
        "whatsapp",
    ]
    victim = Victim.objects.get(case=case)
    assert (victim.sex, victim.age, victim.nationality) == ("female", 16, "PY")
    roles = list(case.perpetrators.order_by("pk").values_list("role", "sex", "nationality"))
    assert roles == [("recruiter", "male", "PY"), ("exploiter", "female", "AR")]


def test_template_is_spanish_with_drop_downs_and_explanations(tmp_path):
    path = tmp_path / "plantilla.xlsx"
    call_command("import", template="xlsx", output=str(path))
    book = load_workbook(path)
    assert book.sheetnames == ["casos", "columnas", "listas"]
    assert book["listas"].sheet_state == "hidden"
    cases = book["casos"]
    header = [c.value for c in cases[1]]
    assert header[:3] == ["Referencia del caso", "Año", "Fecha"]
    example = dict(zip(header, (c.value for c in cases[2]), strict=True))
    assert example["Departamento"] == "Alto Paraná" and example["Sexo"] == "Mujer"
    # every column is explained on the second sheet, by its header
    explained = [row[0].value for row in book["columnas"].iter_rows(min_row=2)]
    assert explained == header == [headers.label(c.name) for c in template_columns()]
    # drop-downs list labels, not codes
    lists = book["listas"]
    by_column = {}
    for validation in cases.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        by_column[letter] = validation.formula1
    department_letter = chr(ord("A") + header.index("Departamento"))
    source = by_column[department_letter].split("!")[1].replace("$", "")
    start, end = source.split(":")
    labels = [c.value for row in lists[f"{start}:{end}"] for c in row]
    assert "Alto Paraná" in labels and "Desconocido" in labels and "alto_parana" not in labels


def test_csv_template_has_the_header_and_one_example(tmp_path):
    path = tmp_path / "plantilla.csv"
    call_command("import", template="csv", output=str(path))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 2 and rows[0][0] == "Referencia del caso" and rows[1][0] == "2024-0153"


@pytest.mark.django_db
def test_one_slashed_header_does_not_make_a_sheet_a_kobo_export(tmp_path, institutions):
    path = tmp_path / "barra.csv"
    path.write_text(
        "Nº de causa,Sexo/Género,Tipo de explotación\nB-1,Mujer,Explotación sexual\n",
        encoding="utf-8",
    )
    report = import_file(path, institution="UFETESI")
    assert report.format == "csv" and (report.stored, report.rejected) == (1, 0), report.errors
    assert list(Case.objects.get().exploitations.values_list("type", flat=True)) == ["sexual"]
    assert Victim.objects.get().sex == "female"
