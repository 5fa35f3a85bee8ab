"""XLSX workbooks and XLSForm (Kobo / ODK) submission exports."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, Victim


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def workbook(path, rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.django_db
def test_xlsx_with_typed_cells(tmp_path, institutions):
    path = workbook(
        tmp_path / "casos.xlsx",
        [
            ["Referencia caso", "Fecha", "Departamento", "Edad", "Plataformas", "Resumen"],
            ["X-1", datetime(2024, 2, 29), "Guairá", 17, "Facebook, WhatsApp", "texto"],
            ["X-2", date(2023, 1, 2), "Central", 24.0, "tiktok", None],
            [None, None, None, None, None, None],
            ["X-3", "15/08/2022", "Cordillera", "treinta", "", ""],
        ],
    )
    report = import_file(path, institution="UFETESI")
    assert report.format == "xlsx"
    assert (report.stored, report.rejected, report.rows_read) == (2, 1, 3)
    first = Case.objects.get(reference="X-1")
    assert first.reported_on == date(2024, 2, 29) and first.department == "guaira"
    assert Victim.objects.get(case=first).age == 17
    assert sorted(first.technologies.values_list("platform", flat=True)) == [
        "facebook",
        "whatsapp",
    ]
    assert Victim.objects.get(case__reference="X-2").age == 24
    assert report.errors[0]["row"] == 5  # the row number Excel shows


@pytest.mark.django_db
def test_xlsx_multi_values_with_commas_are_not_split_by_accident(tmp_path, institutions):
    path = workbook(
        tmp_path / "p.xlsx",
        [["referencia_caso", "plataformas_captacion"], ["P-1", "Facebook|WhatsApp"]],
    )
    assert import_file(path, institution="UFETESI").stored == 1
    platforms = Case.objects.get(reference="P-1").technologies.values_list("platform", flat=True)
    assert sorted(platforms) == ["facebook", "whatsapp"]


@pytest.mark.django_db
def test_typed_cells_read_as_typed_by_hand(tmp_path, institutions):
    header = ["case_reference", "reported_on", "victim_age", "summary", "travel_paid_by_recruiter"]
    workbook(tmp_path / "t.xlsx", [header, ["T-1", datetime(2024, 2, 29), 17.0, 2024.0, True]])
    assert import_file(tmp_path / "t.xlsx", institution="UFETESI").stored == 1
    case = Case.objects.get(reference="T-1")
    assert case.summary == "2024"  # a whole number without ".0"
    assert (case.reported_on, case.travel_paid_by_recruiter) == (date(2024, 2, 29), "yes")
    assert Victim.objects.get(case=case).age == 17


KOBO_HEADERS = [
    "start",
    "end",
    "datos_caso/referencia_caso",
    "datos_caso/departamento",
    "datos_caso/distrito",
    "grupo_victima/sexo",
    "grupo_victima/edad",
    "tecnologia/plataformas_captacion",
    "tecnologia/plataformas_captacion/facebook",
    "tecnologia/plataformas_captacion/whatsapp",
    "tecnologia/plataformas_captacion/discord",
    "tecnologia/plataformas_explotacion",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_index",
]


@pytest.mark.django_db
def test_kobo_csv_export(tmp_path, institutions):
    rows = [
        ";".join(KOBO_HEADERS),
        ";".join(
            [
                "2024-05-01T10:00:00.000-04:00",
                "2024-05-01T10:20:00.000-04:00",
                "K-1",
                "alto_parana",
                "ciudad_del_este",
                "female",
                "16",
                "facebook whatsapp",
                "1",
                "1",
                "0",
                "onlyfans google_meet",
                "11",
                "b1c2d3",
                "2024-05-01T14:20:11",
                "",
                "1",
            ]
        ),
        ";".join(
            [
                "",
                "",
                "",
                "central",
                "",
                "male",
                "",
                "",
                "0",
                "0",
                "1",
                "",
                "12",
                "e4f5a6",
                "2024-06-02T09:00:00",
                "",
                "2",
            ]
        ),
    ]
    path = tmp_path / "kobo.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_file(path, institution="MINNA")
    assert report.format == "xlsform"
    assert (report.stored, report.rejected) == (2, 0), report.errors
    assert not any("start" in w for w in report.warnings)
    first = Case.objects.get(reference="K-1")
    assert first.district == "alto_parana.ciudad_del_este"
    uses = sorted(first.technologies.values_list("phase", "platform"))
    assert uses == [
        ("exploitation", "google_meet"),
        ("exploitation", "onlyfans"),
        ("recruitment", "facebook"),
        ("recruitment", "whatsapp"),
    ]
    # without a case reference the submission's _uuid identifies the case
    second = Case.objects.get(reference="e4f5a6")
    assert second.reported_on == date(2024, 6, 2)
    assert list(second.technologies.values_list("platform", flat=True)) == ["discord"]
    again = import_file(path, institution="MINNA")
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.django_db
def test_kobo_xlsx_export_by_format_option(tmp_path, institutions):
    path = workbook(
        tmp_path / "kobo.xlsx",
        [
            ["grupo_victima/sexo", "grupo_victima/edad", "_uuid"],
            ["female", 13, "u-1"],
        ],
    )
    report = import_file(path, institution="MINNA", fmt="xlsform")
    assert report.format == "xlsform" and report.stored == 1
    assert Victim.objects.get(case__reference="u-1").age_band == "12_14"


@pytest.mark.django_db
def test_title_rows_above_the_header_are_skipped(tmp_path, institutions):
    path = workbook(
        tmp_path / "tabla.xlsx",
        [
            ["Ministerio Público — casos de trata 2023"],
            ["Fuente: UFETESI", None, None],
            [],
            ["Nro. caso", "Departamento", "Sexo", "Edad"],
            ["T-1", "Misiones", "Mujer", 19],
        ],
    )
    book = load_workbook(path)  # a second sheet is ignored, with a warning
    book.create_sheet("notas").append(["nada"])
    book.save(path)
    report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (1, 0), report.errors
    assert Victim.objects.get(case__reference="T-1").age == 19
    assert any("2 hojas" in w and "only the first" in w for w in report.warnings)


@pytest.mark.django_db
def test_excel_sep_line_and_row_numbers(tmp_path, institutions):
    path = tmp_path / "excel.csv"
    path.write_text("sep=,\nreferencia_caso,edad\nS-1,20\nS-2,999\n", encoding="utf-8")
    report = import_file(path, institution="UFETESI")
    assert report.delimiter == "," and report.stored == 1
    # the spreadsheet shows the sep line as row 1, so the bad row is row 4
    assert report.errors[0]["row"] == 4
