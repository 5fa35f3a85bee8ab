"""The public report form on a phone-sized screen (375 px), in headless Chromium."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.utils import timezone
from PIL import Image

from nanduti.public_reports import guard
from nanduti.public_reports.models import PublicReport

from .conftest import OFFER

PHONE = {"width": 375, "height": 812}


def _photo(tmp_path):
    path = tmp_path / "captura.jpg"
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerSecret"
    Image.new("RGB", (300, 600), "white").save(path, "JPEG", exif=exif.tobytes())
    return path


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.browser
@pytest.mark.slow
def test_phone_reports_an_offer_and_sees_reasons_and_help_lines(
    live_server, browser_page, screenshot, settings, tmp_path, transactional_db, analyst
):
    settings.NANDUTI_REPORT_POW_BITS = 12
    page = browser_page
    page.set_viewport_size(PHONE)
    csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))
    page.goto(f"{live_server.url}/denunciar/")
    assert page.locator("h1").inner_text() == "Denunciar una oferta o un perfil sospechoso"
    assert _fits(page)
    screenshot(page, "public_report_form_phone", full_page=True)

    page.get_by_label("Texto de la oferta o descripción del perfil").fill(OFFER)
    page.get_by_label("¿Dónde lo vio?").select_option("facebook")
    page.get_by_label("Departamento").select_option("itapua")
    page.get_by_label("Captura de pantalla (opcional)").set_input_files(str(_photo(tmp_path)))
    page.get_by_role("button", name="Enviar y ver las señales de alerta").click()
    page.wait_for_selector("h1:has-text('Recibimos su denuncia')", timeout=60_000)

    reasons = page.locator("ul.reasons li")
    assert reasons.count() >= 5
    assert page.locator("[data-flag=R3]").inner_text().startswith("Viaje solo de ida")
    assert "solo de ida" in page.locator("[data-flag=R3] .evidence").inner_text()
    call = page.locator("a.call")
    assert call.inner_text() == "Llamar al 147" and call.get_attribute("href") == "tel:147"
    assert call.is_visible() and _fits(page)
    screenshot(page, "public_report_answer_phone", full_page=True)
    assert not csp_errors, csp_errors
    # The browser solved the proof of work: the count is under the PoW key (hashed address).
    sender = guard.sender_key("127.0.0.1", timezone.localdate())
    assert caches["limits"].get(f"public-report:rate:{sender}") == 1
    report = PublicReport.objects.get()
    assert report.suspicious and report.screenshot and report.platform == "facebook"

    # The analyst finds it in the review queue, labelled as a public report.
    page.goto(f"{live_server.url}/revision/")
    page.fill("#id_username", "analista")
    page.fill("#id_password", "clave-segura-123")
    page.click("form button[type=submit]:has-text('Entrar')")
    page.wait_for_url(f"{live_server.url}/revision/")
    card = page.locator(f"article.public-report[data-report='{report.pk}']")
    assert "Denuncia pública (anónima)" in card.inner_text()
    card.scroll_into_view_if_needed()
    screenshot(card, "public_report_in_queue_phone")


@pytest.mark.browser
@pytest.mark.slow
def test_without_javascript_the_form_still_works_under_the_stricter_limit(
    live_server, browser_page, screenshot, transactional_db
):
    context = browser_page.context.browser.new_context(
        java_script_enabled=False, viewport=PHONE, locale="es-PY"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/denunciar/")
    note = page.locator("noscript, p.note").filter(has_text="JavaScript está desactivado")
    assert note.count() >= 1
    page.get_by_label("Texto de la oferta o descripción del perfil").fill(OFFER)
    page.get_by_role("button", name="Enviar y ver las señales de alerta").click()
    page.wait_for_selector("h1:has-text('Recibimos su denuncia')")
    sender = guard.sender_key("127.0.0.1", timezone.localdate())
    assert caches["limits"].get(f"public-report:rate-nowork:{sender}") == 1
    assert PublicReport.objects.count() == 1
    context.close()
