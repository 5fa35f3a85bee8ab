"""The import page: per-row error report and the rejected-rows download."""

import pytest

from nanduti.registry.models import Case, RejectedRow

GOOD_AND_BAD = (
    "referencia_caso;anio;departamento;plataformas_captacion;sexo;edad\n"
    "A-1;2023;Itapúa;tik tok;F;15\n"
    "A-2;2023;Atlántida;whatsapp;M;17\n"
    "A-3;2024;central;facebook;femenino;22\n"
).encode()


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_import_stores_good_rows_and_reports_bad_ones(client, web_upload, officer):
    client.force_login(officer)
    response = web_upload(GOOD_AND_BAD)
    html = response.content.decode()
    assert response.status_code == 200
    refs = set(Case.objects.values_list("reference", flat=True))
    assert refs == {"A-1", "A-3"}
    assert all(c.institution.code == "UFETESI" for c in Case.objects.all())
    # The rejected row is shown with its row, column and value.
    assert "Atlántida" in html and "departamento" in html
    assert "rechazos.csv" in html


def test_rejected_rows_download_and_batch_page(client, web_upload, officer):
    client.force_login(officer)
    web_upload(GOOD_AND_BAD)
    from nanduti.registry.models import ImportBatch

    batch = ImportBatch.objects.get()
    csv_text = client.get(f"/importar/{batch.pk}/rechazos.csv").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 2  # header + the one rejected row
    assert "A-2" in lines[1] and "Atlántida" in lines[1]
    page = client.get(f"/importar/{batch.pk}/").content.decode()
    assert "casos.csv" in page and "Atlántida" in page


def test_other_institution_cannot_see_batch(client, web_upload, officer, other_officer):
    client.force_login(officer)
    web_upload(GOOD_AND_BAD)
    from nanduti.registry.models import ImportBatch

    batch = ImportBatch.objects.get()
    client.force_login(other_officer)
    assert client.get(f"/importar/{batch.pk}/").status_code == 404
    assert client.get(f"/importar/{batch.pk}/rechazos.csv").status_code == 404


def test_rows_of_other_institutions_are_rejected_not_stored(
    client, web_upload, officer, institutions
):
    client.force_login(officer)
    content = b"institucion,referencia_caso,anio\nMINNA,M-1,2023\nUFETESI,U-1,2023\n"
    response = web_upload(content)
    html = response.content.decode()
    assert "otra institución" in html
    assert all(
        "another institution" in r.errors[0]["message_en"] for r in RejectedRow.objects.all()
    )
    assert list(Case.objects.values_list("reference", flat=True)) == ["U-1"]


def test_unreadable_file_says_why(client, web_upload, officer):
    client.force_login(officer)
    response = web_upload(b"", name="vacio.csv")
    assert "Fallido" in response.content.decode()
    assert "vacío" in response.content.decode()  # the reason, in Spanish
    response = web_upload(b"x", name="foto.png")
    assert response.status_code == 400
    assert "CSV o XLSX" in response.content.decode()


def test_analyst_cannot_import(client, analyst):
    client.force_login(analyst)
    assert client.get("/importar/").status_code == 403
