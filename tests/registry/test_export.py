"""Export: flat CSV / XLSX that re-imports to the same data; formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from nanduti.registry.exporter import export_cases
from nanduti.registry.importer import import_file
from nanduti.registry.models import AuditEvent, Case, TechnologyUse, Victim


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


RICH = (
    "institucion,referencia_caso,sintetico,fecha,departamento,distrito,modalidad,senuelo,"
    "tipo_traslado,pais_destino,pais_explotacion,ruta,viaje_pagado,tipo_explotacion,"
    "ambito_explotacion,situacion_legal,disposiciones,plataformas_captacion,"
    "plataformas_explotacion,plataformas_pago,referencia_victima,sexo,edad,nacionalidad,"
    "relacion_captor,nombre_victima,documento_victima,telefono_victima,fecha_nacimiento,"
    "roles_perpetradores,sexo_perpetradores,nacionalidad_perpetradores,derivado_de,derivado_a,"
    "asistencia,resumen\n"
    "UFETESI,R-1,si,2023-03-04,Alto Paraná,Ciudad del Este,fishing,job_offer,international,"
    'Argentina,AR,"CDE, Posadas, Buenos Aires",yes,sexual|labour,both,investigation,'
    "law4788_art5,facebook|whatsapp,onlyfans,redes sociales,V1,female,16,PY,online_contact,"
    "Ana Pérez,4.555.111,0981 000 111,2007-01-02,recruiter|exploiter,|male,AR|AR,MINNA,"
    'mp_ufetesi,shelter|psychological,"=HYPERLINK(""http://x"")"\n'
    "UFETESI,R-1,si,2023-03-04,Alto Paraná,Ciudad del Este,fishing,job_offer,international,"
    'Argentina,AR,"CDE, Posadas, Buenos Aires",yes,sexual|labour,both,investigation,'
    "law4788_art5,tiktok,,,V2,male,,PY,friend,,,,,recruiter|exploiter,|male,AR|AR,MINNA,"
    "mp_ufetesi,,\n"
    "MINNA,M-7,,,Central,,,,,,,-2+3,,,,,,,,,,,,,,,,,,,,,,,,@SUM(A1)\n"
)


def _export(fmt: str, tmp_path, name: str, identifying: bool = True):
    out = tmp_path / name
    export_cases(Case.objects.all(), fmt, out, include_identifying=identifying)
    return out


@pytest.fixture
def rich_cases(tmp_path, institutions):
    path = tmp_path / "rich.csv"
    path.write_text(RICH, encoding="utf-8")
    report = import_file(path)
    assert (report.stored, report.rejected) == (2, 0), report.errors
    # a case entered on the web: a technology use that belongs to no victim in particular
    case = Case.objects.get(reference="M-7")
    TechnologyUse.objects.create(case=case, phase="advertising", technology="classifieds_jobs")
    return case


@pytest.mark.django_db
def test_csv_export_reimports_to_identical_export(tmp_path, rich_cases):
    first = _export("csv", tmp_path, "uno.csv")
    Case.objects.all().delete()
    assert Victim.objects.count() == 0
    report = import_file(first)
    assert report.rejected == 0 and report.stored == 2, report.errors
    second = _export("csv", tmp_path, "dos.csv")
    assert first.read_bytes() == second.read_bytes()
    with open(first, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["case_reference"] for r in rows] == ["M-7", "R-1", "R-1"]
    r1 = rows[1]
    assert r1["platforms_recruitment"] == "facebook|whatsapp"
    assert r1["platforms_payment"] == "social_media"
    assert r1["perpetrator_sexes"] == "|male"
    assert r1["victim_name"] == "Ana Pérez" and r1["victim_birth_date"] == "2007-01-02"
    assert r1["referred_to"] == "mp_ufetesi" and r1["referred_from"] == "MINNA"
    assert r1["synthetic"] == "yes" and r1["provisions"] == "law4788_art5"


@pytest.mark.django_db
def test_formulas_are_neutralised_in_csv_and_restored_on_import(tmp_path, rich_cases):
    first = _export("csv", tmp_path, "f.csv")
    with open(first, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["summary"] for r in rows] == ["'@SUM(A1)", *['\'=HYPERLINK("http://x")'] * 2]
    assert rows[0]["route"] == "'-2+3"
    Case.objects.all().delete()
    import_file(first)
    assert Case.objects.get(reference="M-7").summary == "@SUM(A1)"
    assert Case.objects.get(reference="M-7").route == "-2+3"
    assert Case.objects.get(reference="R-1").summary == '=HYPERLINK("http://x")'


@pytest.mark.django_db
def test_xlsx_export_round_trip_and_no_formula_cells(tmp_path, rich_cases):
    first = _export("xlsx", tmp_path, "uno.xlsx")
    sheet = load_workbook(first).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    Case.objects.all().delete()
    report = import_file(first)
    assert (report.stored, report.rejected) == (2, 0), report.errors
    second = _export("xlsx", tmp_path, "dos.xlsx")
    assert [[c.value for c in row] for row in load_workbook(second).active.iter_rows()] == values


@pytest.mark.django_db
def test_export_without_identifying_columns_by_default(tmp_path, rich_cases):
    out = tmp_path / "anon.csv"
    export_cases(Case.objects.all(), "csv", out)
    text = out.read_text(encoding="utf-8-sig")
    assert "Ana Pérez" not in text and "victim_name" not in text.splitlines()[0]


@pytest.mark.django_db
def test_export_command_and_its_audit_event(tmp_path, rich_cases):
    out = tmp_path / "cmd.csv"
    with pytest.raises(CommandError):
        call_command("export", "--format", "csv", "-o", str(out), "--include-identifying")
    call_command(
        "export",
        "--format",
        "csv",
        "-o",
        str(out),
        "--institution",
        "UFETESI",
        "--include-identifying",
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {r["institution"] for r in rows} == {"UFETESI"}
    assert rows[0]["victim_name"] == "Ana Pérez"
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.institution.code == "UFETESI" and event.changes["identifying"] is True
    assert event.changes["rows"] == 2


@pytest.mark.django_db
def test_export_streams_in_chunks(
    tmp_path, institutions, monkeypatch, django_assert_max_num_queries
):
    lines = ["referencia_caso,sexo,plataformas_captacion"] + [
        f"C-{i:03d},female,whatsapp" for i in range(60)
    ]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(path, institution="UFETESI")
    monkeypatch.setattr("nanduti.registry.exporter.CHUNK", 25)
    out = io.StringIO()
    # 3 chunks × (cases + 7 prefetches) queries: bounded, not one query per case
    with django_assert_max_num_queries(30):
        assert export_cases(Case.objects.all(), "csv", out) == 60
