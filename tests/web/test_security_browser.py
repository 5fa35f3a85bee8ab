"""The content security policy leaves every page working; the conflict page and the
second-factor enrolment as a person sees them (headless Chromium)."""

import re

import pytest

from nanduti.registry import services
from nanduti.registry.models import Case, Institution, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "clave-segura-123"


@pytest.fixture
def people(transactional_db, django_user_model):
    institution = Institution.objects.create(code="UFETESI", name="Ministerio Público – UFETESI")
    for username, role in (("oficial", Role.OFFICER), ("responsable", Role.STEWARD)):
        user = django_user_model.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, institution=institution, role=role)
    return institution


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/cuenta/entrar/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    # Each role lands on its own page: officers on their cases, stewards on imports.
    page.wait_for_url(re.compile(r"/(casos|importar)/$"))


def test_pages_run_their_scripts_and_break_no_policy_rule(live_server, people, browser_page):
    page = browser_page
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, live_server, "oficial")
    for path in ("/", "/casos/", "/importar/", "/estadisticas/publico/"):
        page.goto(f"{live_server.url}{path}")
    page.goto(f"{live_server.url}/casos/nuevo/")
    # The add-row button is shown by case_form.js: hidden if the script were blocked.
    page.get_by_role("button", name="Agregar víctima").click()
    assert page.locator("#id_victims-1-sex").count() == 1
    page.goto(f"{live_server.url}/estadisticas/informe/")
    assert page.get_by_role("button", name="Imprimir").is_visible()
    page.goto(f"{live_server.url}/api/docs")
    page.locator(".swagger-ui .info").wait_for()
    assert page.get_by_text("Ñandutí API").first.is_visible()
    assert violations == []


def test_conflict_page_shows_both_versions(live_server, people, browser_page, screenshot):
    case = Case.objects.create(institution=people, reference="UF-7", summary="Texto original")
    page = browser_page
    log_in(page, live_server, "oficial")
    page.goto(f"{live_server.url}/casos/{case.pk}/editar/")
    page.locator("#id_summary").fill("Mi versión del resumen")
    # Meanwhile a colleague saves the same case.
    case.summary = "Versión guardada por una colega"
    services.save_case(case, actor=None)
    page.get_by_role("button", name="Guardar caso").click()
    alert = page.get_by_role("alert").filter(has_text="Otra persona guardó este caso")
    assert alert.is_visible()
    row = page.locator(".conflict-table tr", has_text="Resumen")
    assert "Mi versión del resumen" in row.inner_text()
    assert "Versión guardada por una colega" in row.inner_text()
    screenshot(page, "web-conflict", full_page=True)
    case.refresh_from_db()
    assert case.summary == "Versión guardada por una colega"
    page.get_by_role("button", name="Guardar caso").click()  # a deliberate second save
    page.wait_for_url(re.compile(rf"/casos/{case.pk}/$"))
    case.refresh_from_db()
    assert case.summary == "Mi versión del resumen"


def test_steward_sees_a_scannable_qr_code(live_server, people, browser_page, screenshot):
    page = browser_page
    log_in(page, live_server, "responsable")
    page.get_by_role("link", name="Segundo factor").click()
    qr = page.locator("figure.qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    screenshot(page, "web-second-factor", full_page=True)
