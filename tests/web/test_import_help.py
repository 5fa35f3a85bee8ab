"""The import page helps with the sheet itself: template, Kobo form, accepted columns, and
hints in labels (never internal codes)."""

import io

import pytest
from openpyxl import load_workbook

from nanduti.registry.models import Case


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_page_lists_accepted_columns_and_offers_the_template(client, officer):
    client.force_login(officer)
    html = client.get("/importar/").content.decode()
    assert "Referencia del caso" in html and "carpeta fiscal" in html
    assert "Plataformas de captación" in html and "medio captacion" in html
    for link in ("/importar/plantilla.xlsx", "/importar/plantilla.csv", "formulario-kobo.xlsx"):
        assert link in html


def test_template_downloaded_from_the_page_imports_back(client, web_upload, officer):
    client.force_login(officer)
    response = client.get("/importar/plantilla.xlsx")
    assert response.status_code == 200
    assert "plantilla-casos.xlsx" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["casos", "columnas", "listas"]
    result = web_upload(response.content, "plantilla-casos.xlsx")
    assert result.status_code == 200
    assert Case.objects.filter(reference="2024-0153", institution__code="UFETESI").exists()
    csv_template = client.get("/importar/plantilla.csv")
    assert csv_template.content.decode("utf-8-sig").startswith("Referencia del caso,")
    assert client.get("/importar/plantilla.pdf").status_code == 404


def test_kobo_form_download(client, officer):
    client.force_login(officer)
    response = client.get("/importar/formulario-kobo.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["survey", "choices", "settings"]


def test_downloads_need_a_login(client):
    assert client.get("/importar/plantilla.xlsx").status_code == 302


def test_hints_show_labels_not_codes(client, web_upload, officer):
    client.force_login(officer)
    sheet = "Nº de causa;Departamento;Ciudad\nC-1;Atlantida;\nC-2;Itapua;Encarnasion del Sur\n"
    html = web_upload(sheet.encode()).content.decode()
    assert "Alto Paraná" in html and "Encarnación (Itapúa)" in html
    assert "alto_parana" not in html and "itapua.encarnacion" not in html


def test_an_institution_column_however_written_is_checked(client, web_upload, officer):
    client.force_login(officer)
    sheet = "Institución (código);Nº de causa\nMINNA;X-1\n"
    html = web_upload(sheet.encode()).content.decode()
    assert "otra institución" in html  # the row is rejected with its reason, never stored
    assert not Case.objects.exists()


def test_a_kobo_export_with_an_institution_field_is_checked_too(client, web_upload, officer):
    client.force_login(officer)
    sheet = "caso-institucion;caso-referencia_caso;_uuid\nMINNA;X-2;u-1\n"
    html = web_upload(sheet.encode(), "envios.csv").content.decode()
    assert "otra institución" in html
    assert not Case.objects.exists()
