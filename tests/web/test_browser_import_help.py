"""The import page's template, Kobo form and accepted columns, in a real browser."""

import re

import pytest

from nanduti.registry.models import Case, Institution, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def officer_login(transactional_db, django_user_model, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    institution = Institution.objects.create(code="UFETESI", name="Ministerio Público – UFETESI")
    user = django_user_model.objects.create_user("oficial", password="clave-segura-123")
    Membership.objects.create(user=user, institution=institution, role=Role.OFFICER)
    return user


def test_download_the_template_and_import_it(
    live_server, officer_login, browser_page, screenshot, tmp_path
):
    page = browser_page
    page.goto(f"{live_server.url}/cuenta/entrar/")
    page.get_by_label("Usuario").fill("oficial")
    page.get_by_label("Contraseña").fill("clave-segura-123")
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/casos/$"))
    page.goto(f"{live_server.url}/importar/")
    page.locator("#columnas summary").click()
    assert page.get_by_role("rowheader", name="Referencia del caso").is_visible()
    screenshot(page, "web-import-help", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Plantilla XLSX").click()
    template = tmp_path / "plantilla.xlsx"
    download.value.save_as(template)
    page.locator("#id_archivo").set_input_files(str(template))
    page.get_by_role("button", name="Importar").click()
    page.wait_for_selector("#resultado")
    assert Case.objects.filter(reference="2024-0153").exists()
    screenshot(page, "web-import-template-result", full_page=True)
