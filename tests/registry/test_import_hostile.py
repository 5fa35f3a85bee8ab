"""Hostile files (issue 15, F5), generated here (nothing big is committed): each is refused
or read with a Spanish / English message, never a traceback or a server error, nothing is
stored garbled and earlier cases stay as they were. Time and memory per file are measured
by benchmarks/hostile_imports.py."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, Victim

HEADER = "referencia_caso,anio,departamento,plataformas_captacion,sexo,edad,resumen\n"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def earlier(tmp_path, institutions):
    path = tmp_path / "earlier.csv"
    path.write_text(HEADER + "OLD-1,2022,Central,facebook,F,15,antes\n", encoding="utf-8")
    assert import_file(path, institution="UFETESI").stored == 1
    return {c.reference: (c.updated_at, c.summary) for c in Case.objects.all()}


def intact(earlier) -> bool:
    now = {c.reference: (c.updated_at, c.summary) for c in Case.objects.filter(reference="OLD-1")}
    return now == earlier and Victim.objects.filter(case__reference="OLD-1").count() == 1


def _workbook(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD_ROWS = [
    ["referencia_caso", "anio", "sexo", "resumen"],
    ["X-1", "2023", "F", "uno"],
    ["X-2", "2023", "M", "dos"],
]


def _with_part(content: bytes, name: str, replace) -> bytes:
    """The workbook with one part rewritten by ``replace(old bytes) → new bytes``."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, replace(data) if item.filename == name else data)
    return out.getvalue()


def _inline_sheet(rows: list[list[str]]) -> bytes:
    cells = "".join(
        "<row>"
        + "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in row)
        + "</row>"
        for row in rows
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    ).encode()


SHEET = "xl/worksheets/sheet1.xml"
XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)


def xxe(tmp_path: Path) -> Path:
    sheet = XXE + _inline_sheet([GOOD_ROWS[0], ["X-1", "2023", "F", "&xxe;"]]).split(b"?>", 1)[1]
    return _file(tmp_path, "xxe.xlsx", _with_part(_workbook(GOOD_ROWS), SHEET, lambda _o: sheet))


def billion_laughs(tmp_path: Path) -> Path:
    sheet = (
        LAUGHS + _inline_sheet([GOOD_ROWS[0], ["X-1", "2023", "F", "&lol9;"]]).split(b"?>", 1)[1]
    )
    return _file(tmp_path, "risas.xlsx", _with_part(_workbook(GOOD_ROWS), SHEET, lambda _o: sheet))


def malformed_xml(tmp_path: Path) -> Path:
    rows = [GOOD_ROWS[0], *([f"X-{n}", "2023", "F", "ok"] for n in range(3000))]
    broken = _inline_sheet(rows)[:-4000]  # cut off in the middle of a row
    return _file(tmp_path, "roto.xlsx", _with_part(_workbook(GOOD_ROWS), SHEET, lambda _o: broken))


def zip_bomb(tmp_path: Path) -> Path:
    """A few MB that declare (and would expand to) 600 MB of sheet XML."""
    path = tmp_path / "bomba.xlsx"
    good = zipfile.ZipFile(io.BytesIO(_workbook(GOOD_ROWS)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in good.infolist():
            if item.filename != SHEET:
                target.writestr(item.filename, good.read(item.filename))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            head = _inline_sheet([GOOD_ROWS[0]])
            sheet.write(head[: head.index(b"</sheetData>")])
            row = b'<row><c t="inlineStr"><is><t>X</t></is></c></row>' * 20_000
            for _ in range(600 * 2**20 // len(row)):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return path


def huge_cell(tmp_path: Path) -> Path:
    """One cell of 100 million characters in a small file."""
    cell = "A" * 100_000_000

    def replace(old: bytes) -> bytes:
        return old.replace(b"<t>uno</t>", f"<t>{cell}</t>".encode())

    return _file(tmp_path, "celda.xlsx", _with_part(_workbook(GOOD_ROWS), SHEET, replace))


def long_cell_xlsx(tmp_path: Path) -> Path:
    """A cell longer than Excel allows (openpyxl would cut it when writing: written here)."""

    def replace(old: bytes) -> bytes:
        return old.replace(b"<t>uno</t>", b"<t>" + b"B" * 40_000 + b"</t>")

    return _file(tmp_path, "larga.xlsx", _with_part(_workbook(GOOD_ROWS), SHEET, replace))


def csv_50mb_cell(tmp_path: Path) -> Path:
    text = HEADER + "X-1,2023,Central,facebook,F,15,ok\nX-2,2023,Central,,F,15," + "C" * 50 * 2**20
    return _file(tmp_path, "grande.csv", text.encode() + b"\n")


def nul_bytes(tmp_path: Path) -> Path:
    rows = "".join(f"N-{n},2023,Central,facebook,F,15,fila {n}\n" for n in range(12_000))
    data = (HEADER + rows).encode()
    at = data.index(b"fila 10000")  # beyond the sample that decides the encoding
    return _file(tmp_path, "nulos.csv", data[:at] + b"\x00" + data[at:])


def binary_noise(tmp_path: Path) -> Path:
    import random

    noise = random.Random(3).randbytes(300_000)
    return _file(tmp_path, "ruido.csv", noise)


def not_a_zip(tmp_path: Path) -> Path:
    return _file(tmp_path, "falso.xlsx", b"PK\x03\x04" + b"\x00" * 200)


HOSTILE = {
    "xxe": (xxe, "DTD"),
    "billion laughs": (billion_laughs, "DTD"),
    "malformed xml": (malformed_xml, "XML"),
    "zip bomb": (zip_bomb, "MB"),
    "one cell of 100 million characters": (huge_cell, "100,000,000"),
    "a 40,000-character XLSX cell": (long_cell_xlsx, "40,000"),
    "a 50 MB CSV cell": (csv_50mb_cell, "caracteres"),
    "NUL byte at line 10002": (nul_bytes, "10002"),
    "binary noise": (binary_noise, "/"),
    "a zip header and nothing": (not_a_zip, "ZIP"),
}


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.django_db
def test_a_hostile_file_is_refused_with_a_bilingual_message(tmp_path, earlier, kind):
    make, detail = HOSTILE[kind]
    report = import_file(make(tmp_path), institution="UFETESI")
    assert not report.readable, report.summary()
    assert " / " in report.fatal and detail in report.fatal, report.fatal
    assert "Traceback" not in report.fatal
    assert intact(earlier)
    assert not Case.objects.exclude(reference="OLD-1").filter(reference__startswith="X-").exists()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["xxe", "zip bomb", "NUL byte at line 10002", "malformed xml"])
@pytest.mark.django_db
def test_a_hostile_upload_gets_a_message_not_a_server_error(client, officer, tmp_path, kind):
    path = HOSTILE[kind][0](tmp_path)
    client.force_login(officer)
    response = client.post(
        "/importar/", {"archivo": SimpleUploadedFile(path.name, path.read_bytes())}
    )
    assert response.status_code == 400
    assert "XLSX" in response.content.decode() or "nulos" in response.content.decode()


@pytest.mark.django_db
def test_a_utf8_row_in_a_cp1252_file_is_rejected_not_garbled(tmp_path, earlier):
    content = HEADER.encode() + b"".join(
        f"W-{n},2023,Central,facebook,F,15,Asunción {n}\n".encode("cp1252") for n in range(8)
    )
    content += "W-9,2023,Itapúa,facebook,F,15,Asunción en UTF-8\n".encode()
    report = import_file(_file(tmp_path, "mezcla.csv", content), institution="UFETESI")
    assert (report.stored, report.rejected) == (8, 1), report.errors
    assert "codificaci" in report.errors[0]["errors"][0]["message"]
    summaries = list(Case.objects.values_list("summary", flat=True))
    assert not [s for s in summaries if "Ã" in s or "Ă" in s or "\ufffd" in s]
    assert intact(earlier)


@pytest.mark.parametrize("title", ["", "Casos 2023 | Policía Nacional\n"])
@pytest.mark.django_db
def test_a_pipe_in_a_data_cell_does_not_decide_the_delimiter(tmp_path, earlier, title):
    content = (
        title
        + "referencia_caso,anio,plataformas_captacion\n"
        + "".join(f"P-{n},2023,facebook|whatsapp|instagram|tiktok\n" for n in range(5))
    )
    report = import_file(_file(tmp_path, "tuberia.csv", content.encode()), institution="UFETESI")
    assert report.delimiter == "," and (report.stored, report.rejected) == (5, 0), report.errors
    platforms = set(
        Case.objects.get(reference="P-1").technologies.values_list("platform", flat=True)
    )
    assert platforms == {"facebook", "whatsapp", "instagram", "tiktok"}
