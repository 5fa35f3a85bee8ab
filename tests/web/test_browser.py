"""The case workflow in a real browser (Playwright driving Debian's chromium)."""

import re

import pytest

from nanduti.registry.models import Case, Institution, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def officer_login(transactional_db, django_user_model):
    institution = Institution.objects.create(code="UFETESI", name="Ministerio Público – UFETESI")
    user = django_user_model.objects.create_user("oficial", password="clave-segura-123")
    Membership.objects.create(user=user, institution=institution, role=Role.OFFICER)
    return user


def log_in(page, live_server) -> None:
    """Logs the officer of ``officer_login`` in; their case list opens."""
    page.goto(f"{live_server.url}/cuenta/entrar/")
    page.get_by_label("Usuario").fill("oficial")
    page.get_by_label("Contraseña").fill("clave-segura-123")
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/casos/$"))


def test_create_case_and_find_it_filtered_by_platform(
    live_server, officer_login, browser_page, screenshot
):
    page = browser_page
    log_in(page, live_server)

    page.get_by_role("link", name="Nuevo caso").click()
    page.wait_for_url(re.compile(r"/casos/nuevo/$"))
    assert page.get_by_text("No pregunte a la persona").is_visible()
    page.locator("#id_reference").fill("BROWSER-1")
    page.locator("#id_year").fill("2024")
    page.locator("#id_department").select_option("itapua")
    # Districts are narrowed to the chosen department (progressive enhancement).
    visible = page.locator("#id_district option:not([hidden])").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "itapua.encarnacion" in visible and "central.san_lorenzo" not in visible
    page.locator("#id_technologies-0-phase").select_option("recruitment")
    page.locator("#id_technologies-0-platform").select_option("tiktok")
    # Add a second technology row with the button (vanilla JS formset).
    page.get_by_role("button", name="Agregar tecnología").click()
    page.locator("#id_technologies-1-phase").select_option("exploitation")
    page.locator("#id_technologies-1-platform").select_option("whatsapp")
    page.locator("#id_victims-0-sex").select_option("female")
    page.locator("#id_victims-0-age").fill("15")
    page.locator("#id_victims-0-recruiter_relation").select_option("not_asked")
    screenshot(page, "web-form", full_page=True)
    page.get_by_role("button", name="Guardar caso").click()
    page.wait_for_url(re.compile(r"/casos/\d+/$"))
    assert page.get_by_role("heading", name=re.compile("BROWSER-1")).is_visible()
    assert page.get_by_text("TikTok").first.is_visible()
    screenshot(page, "web-detail", full_page=True)
    page.get_by_role("link", name="Historial de cambios").click()
    assert page.get_by_role("cell", name="oficial").first.is_visible()
    assert page.get_by_text("creó · Caso").is_visible()
    screenshot(page, "web-history", full_page=True)
    page.go_back()

    case = Case.objects.get(reference="BROWSER-1")
    assert case.department == "itapua"
    assert sorted(case.technologies.values_list("platform", flat=True)) == ["tiktok", "whatsapp"]
    assert case.victims.get().recruiter_relation == "not_asked"

    page.get_by_role("link", name="← Casos").click()
    page.locator("#f-platform").select_option("tiktok")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url(re.compile(r"platform=tiktok"))
    row = page.locator("tbody tr", has_text="BROWSER-1")
    assert row.count() == 1
    assert "Itapúa" in row.inner_text()
    screenshot(page, "web-list", full_page=True)

    page.locator("#lang-select").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    page.wait_for_load_state()
    nav = page.get_by_role("navigation", name="Main navigation")
    assert nav.get_by_role("link", name="Cases").is_visible()
    row = page.locator("tbody tr", has_text="BROWSER-1")
    assert "Female" in row.inner_text()
    assert page.get_by_role("columnheader", name="Platforms").is_visible()
    screenshot(page, "web-list-en", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/casos/nuevo/")
    screenshot(page, "web-form-phone", full_page=True)


def test_api_docs_render_without_cdn(live_server, transactional_db, browser_page, screenshot):
    page = browser_page
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/api/docs")
    page.get_by_text("Ñandutí API").first.wait_for()
    page.get_by_text("/api/cases/{case_id}").first.wait_for()
    screenshot(page, "web-api-docs", full_page=True)
    assert all(url.startswith(live_server.url) for url in requested), requested


def test_import_page_shows_rejected_rows(
    live_server, live_worker, officer_login, browser_page, screenshot, tmp_path, settings
):
    settings.VAR_DIR = tmp_path / "var"
    sheet = tmp_path / "planilla.csv"
    sheet.write_text(
        "referencia_caso,anio,departamento,plataformas_captacion,sexo,edad\n"
        "IMP-1,2023,Itapúa,tik tok,F,15\n"
        "IMP-2,2023,Atlántida,whatsapp,M,17\n",
        encoding="utf-8",
    )
    page = browser_page
    log_in(page, live_server)
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Importar"
    ).click()
    page.get_by_label("Archivo (CSV o XLSX)").set_input_files(str(sheet))
    page.get_by_role("button", name="Importar").click()
    page.get_by_role("heading", name="Filas rechazadas").wait_for()
    row = page.locator("tbody tr", has_text="Atlántida").first
    assert "departamento" in row.inner_text()
    assert page.get_by_role("link", name="Descargar filas rechazadas (CSV)").is_visible()
    screenshot(page, "web-import", full_page=True)
    assert Case.objects.filter(reference="IMP-1").exists()


def test_download_the_template_and_import_it(
    live_server, live_worker, officer_login, browser_page, screenshot, tmp_path, settings
):
    settings.VAR_DIR = tmp_path / "var"
    page = browser_page
    log_in(page, live_server)
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
    page.wait_for_url(re.compile(r"/trabajos/\d+/$"))
    page.get_by_text("Terminado").wait_for()  # the job's page shows it ended, unreloaded
    page.get_by_role("heading", name="Resultado").wait_for()
    assert Case.objects.filter(reference="2024-0153").exists()
    screenshot(page, "web-import-template-result", full_page=True)
