"""Bad input: every kind gets a clear Spanish / English message, and nothing stored is lost."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, RejectedRow, Victim


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def earlier(tmp_path, institutions):
    """Cases stored by an earlier import, which no bad file may touch."""
    path = tmp_path / "earlier.csv"
    path.write_text("referencia_caso,sexo,edad\nOLD-1,f,15\nOLD-2,m,30\n", encoding="utf-8")
    assert import_file(path, institution="UFETESI").stored == 2
    return {c.reference: c.updated_at for c in Case.objects.all()}


def intact(earlier) -> bool:
    now = {c.reference: c.updated_at for c in Case.objects.filter(reference__in=earlier)}
    return now == earlier and Victim.objects.filter(case__reference__in=earlier).count() == 2


def run(tmp_path: Path, name: str, content: bytes | str, **kwargs):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    kwargs.setdefault("institution", "UFETESI")
    return import_file(path, **kwargs)


def messages(report) -> str:
    return " ".join(e["message"] for entry in report.errors for e in entry["errors"])


@pytest.mark.django_db
def test_latin1_and_cp1252_files_read_with_their_accents(tmp_path, earlier):
    text = (
        "referencia_caso;departamento;distrito;resumen\n"
        "L-1;Itapúa;Encarnación;Niña captada — “trabajo”\n"
    )
    report = run(tmp_path, "latin.csv", text.encode("cp1252"))
    assert report.stored == 1 and report.encoding == "cp1252", report.errors
    case = Case.objects.get(reference="L-1")
    assert (case.department, case.district) == ("itapua", "itapua.encarnacion")
    assert case.summary == "Niña captada — “trabajo”"
    bom = run(tmp_path, "bom.csv", b"\xef\xbb\xbf" + "referencia_caso,sexo\nB-1,niña\n".encode())
    assert bom.stored == 1 and Victim.objects.get(case__reference="B-1").sex == "female"
    assert intact(earlier)


@pytest.mark.parametrize("encoding", ["cp1252", "cp850"])  # Windows, and Excel's MS-DOS CSV
@pytest.mark.django_db
def test_a_short_file_in_a_legacy_encoding_reads_with_its_accents(tmp_path, earlier, encoding):
    text = "referencia_caso;distrito;resumen\nD-1;Encarnación;niño de 12 años\n"
    report = run(tmp_path, "corto.csv", text.encode(encoding))
    assert report.stored == 1 and report.encoding == encoding, report.errors
    case = Case.objects.get(reference="D-1")
    assert (case.district, case.summary) == ("itapua.encarnacion", "niño de 12 años")
    assert intact(earlier)


@pytest.mark.django_db
def test_a_row_in_another_encoding_is_rejected_not_garbled(tmp_path, earlier):
    content = b"referencia_caso,resumen\nE-1,ok\n" + "E-2,Asunción\n".encode("latin-1")
    content = content * 1  # a UTF-8 file with one Latin-1 line at the end
    report = run(tmp_path, "mixed-enc.csv", content)
    assert report.stored == 1 and report.rejected == 1
    assert "codificaci" in messages(report) and "encodings" in messages(report)
    assert intact(earlier)


@pytest.mark.django_db
def test_mixed_delimiters_reject_the_odd_rows(tmp_path, earlier):
    text = "referencia_caso;sexo;edad\nM-1;f;20\nM-2,m,21\nM-3;f;22;extra;cols\n"
    report = run(tmp_path, "mixed.csv", text)
    assert (report.stored, report.rejected) == (1, 2)
    text_all = messages(report)
    assert "fila 3" in text_all and "delimitador" in text_all and "delimiter" in text_all
    assert "fila 4" in text_all and "columnas" in text_all
    assert intact(earlier)


@pytest.mark.django_db
def test_empty_file_is_unreadable(tmp_path, earlier):
    for content in (b"", b"\n\n  \n"):
        report = run(tmp_path, "empty.csv", content)
        assert not report.readable and "vacío" in report.fatal and "empty" in report.fatal
    assert intact(earlier)


@pytest.mark.django_db
def test_header_only_reads_but_stores_nothing(tmp_path, earlier):
    report = run(tmp_path, "header.csv", "referencia_caso,sexo,edad\n")
    assert report.readable and (report.stored, report.rejected, report.rows_read) == (0, 0, 0)
    assert any("encabezado" in w and "header" in w for w in report.warnings)
    assert intact(earlier)


@pytest.mark.django_db
def test_unknown_columns_are_reported_and_ignored(tmp_path, earlier):
    report = run(tmp_path, "unk.csv", "referencia_caso,color_favorito,sexo\nU-1,azul,f\n")
    assert report.stored == 1
    assert any("color_favorito" in w and "unknown columns" in w for w in report.warnings)
    nothing = run(tmp_path, "none.csv", "a,b,c\n1,2,3\n")
    assert not nothing.readable and "header" in nothing.fatal
    assert intact(earlier)


@pytest.mark.django_db
def test_identical_duplicate_rows_are_rejected(tmp_path, earlier):
    text = "referencia_caso,sexo,edad\nD-1,f,14\nD-2,m,15\nD-1,f,14\n"
    report = run(tmp_path, "dup.csv", text)
    assert (report.stored, report.rejected) == (2, 1)
    assert "fila 4" in messages(report) and "row 2" in messages(report)
    assert Victim.objects.filter(case__reference="D-1").count() == 1
    assert intact(earlier)


@pytest.mark.django_db
def test_impossible_ages(tmp_path, earlier):
    text = "referencia_caso,edad\nA-1,-1\nA-2,121\nA-3,doce\nA-4,120\n"
    report = run(tmp_path, "ages.csv", text)
    assert (report.stored, report.rejected) == (1, 3)
    all_messages = messages(report)
    assert "edad imposible: -1" in all_messages and "impossible age: 121" in all_messages
    assert "doce" in all_messages
    assert intact(earlier)


@pytest.mark.django_db
def test_impossible_dates(tmp_path, earlier):
    future = (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")
    text = (
        "referencia_caso,fecha\nF-1,31/02/2023\nF-2,"
        f"{future}\nF-3,12/05/1899\nF-4,ayer no\nF-5,5 de marzo de 2020\nF-6,07-08-21\n"
    )
    report = run(tmp_path, "dates.csv", text)
    assert (report.stored, report.rejected) == (2, 4)
    all_messages = messages(report)
    assert "ese día no existe" in all_messages and "no such day" in all_messages
    assert "fecha futura" in all_messages and "before 1900" in all_messages
    assert Case.objects.get(reference="F-5").reported_on == date(2020, 3, 5)
    assert Case.objects.get(reference="F-6").reported_on == date(2021, 8, 7)
    assert Case.objects.get(reference="F-6").year == 2021
    assert intact(earlier)


@pytest.mark.django_db
def test_unknown_departments_and_platforms_with_suggestions(tmp_path, earlier):
    text = (
        "referencia_caso,departamento,plataformas_captacion\n"
        "K-1,Alto Parana,MiEspacio\nK-2,Atlantida,facebook\n"
    )
    report = run(tmp_path, "unk.csv", text)
    assert report.rejected == 2 and report.stored == 0
    first, second = (entry["errors"][0] for entry in report.errors)
    assert (first["row"], first["column"], first["value"]) == (
        2,
        "plataformas_captacion",
        "MiEspacio",
    )
    assert "plataforma" in first["message_es"] and "platform" in first["message_en"]
    assert (second["column"], second["value"]) == ("departamento", "Atlantida")
    assert second["suggestions"]
    assert intact(earlier)


@pytest.mark.django_db
def test_very_long_fields(tmp_path, earlier):
    long_text = "x" * 5001
    long_code = "y" * 201
    text = (
        f"referencia_caso,resumen,departamento\nT-1,{long_text},\nT-2,,{long_code}\n"
        f"T-3,{'z' * 5000},central\n"
    )
    report = run(tmp_path, "long.csv", text)
    assert (report.stored, report.rejected) == (1, 2)
    assert "5001 caracteres; máximo 5000" in messages(report)
    assert "201 characters; at most 200" in messages(report)
    assert len(Case.objects.get(reference="T-3").summary) == 5000
    assert intact(earlier)


@pytest.mark.django_db
def test_formula_strings_are_stored_as_text(tmp_path, earlier):
    text = (
        "referencia_caso,resumen,ruta\n"
        'X-1,"=HYPERLINK(""http://mal.example"",""clic"")",+cmd|/C calc\n'
        "X-2,-2+3,@SUM(A1:A9)\n"
        "X-3,'=1+1,ok\n"
    )
    report = run(tmp_path, "formulas.csv", text)
    assert report.stored == 3, report.errors
    assert Case.objects.get(reference="X-1").summary == '=HYPERLINK("http://mal.example","clic")'
    assert Case.objects.get(reference="X-1").route == "+cmd|/C calc"
    assert Case.objects.get(reference="X-2").summary == "-2+3"
    assert Case.objects.get(reference="X-2").route == "@SUM(A1:A9)"
    # an apostrophe that protects a formula is the exporter's; the importer removes it
    assert Case.objects.get(reference="X-3").summary == "=1+1"
    formula_as_code = run(tmp_path, "f2.csv", "referencia_caso,sexo\nX-4,=1+1\n")
    assert formula_as_code.rejected == 1
    assert intact(earlier)


@pytest.mark.django_db
def test_binary_garbage_is_unreadable(tmp_path, earlier):
    garbage = bytes(range(256)) * 40
    report = run(tmp_path, "garbage.csv", garbage)
    assert not report.readable and ("binari" in report.fatal or "binary" in report.fatal)
    png = run(tmp_path, "foto.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)) * 30)
    assert not png.readable
    assert intact(earlier)


@pytest.mark.django_db
def test_xlsx_that_is_not_a_zip(tmp_path, earlier):
    report = run(tmp_path, "casos.xlsx", "referencia_caso\nZ-1\n")
    assert not report.readable and "ZIP" in report.fatal
    broken = tmp_path / "roto.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hola.txt", "no soy una hoja de cálculo")
    report = import_file(broken, institution="UFETESI")
    assert not report.readable and "XLSX" in report.fatal
    assert intact(earlier)


def refuse_new_victims(reason: str) -> None:
    """A trigger that makes the database itself refuse every new victim (a full disk, a
    constraint the importer does not know about)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$BEGIN RAISE EXCEPTION '{reason}'; END$$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON registry_victim "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON registry_victim "
                f"BEGIN SELECT RAISE(ABORT, '{reason}'); END"
            )


@pytest.mark.django_db
def test_a_database_error_rejects_the_chunk_with_its_reason(tmp_path, earlier):
    """The database refusing a chunk half-way (its cases are in, its victims not) rolls
    that chunk back, nothing else, and quarantines its rows with the database's reason."""
    refuse_new_victims("disco lleno")
    text = "referencia_caso,sexo,edad\nOLD-1,m,16\nDB-1,f,20\nDB-2,m,\n"
    report = run(tmp_path, "db.csv", text)
    assert (report.stored, report.updated, report.rejected) == (0, 0, 3)
    assert "disco lleno" in messages(report) and "import these rows again" in messages(report)
    assert not Case.objects.filter(reference__startswith="DB-").exists()
    assert intact(earlier)
    assert RejectedRow.objects.filter(batch_id=report.batch_id).count() == 3
