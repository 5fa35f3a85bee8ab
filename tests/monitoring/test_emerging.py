"""Emerging platforms: a made-up app tied to recruitment is surfaced with its evidence and
counts per month; an analyst adds it in one click (versioned, audited) and the extractor
recognises it from then on."""

from __future__ import annotations

from datetime import date

import pytest

from nanduti.monitoring import store
from nanduti.monitoring.extract.emerging import mentions
from nanduti.monitoring.extract.pipeline import extract_text
from nanduti.registry.models import AuditEvent
from nanduti.taxonomy import vocab

APP = "Kuñaplay"
REPORTS = [
    (
        "Rescatan a adolescente captada por la aplicación Kuñaplay",
        "Una adolescente de 15 años fue rescatada en Caaguazú. El captor la contactó a través "
        "de Kuñaplay con una falsa oferta de trabajo como modelo. La Fiscalía imputó al "
        "hombre por trata de personas con fines de explotación sexual.",
        date(2026, 9, 3),
    ),
    (
        "Imputan a hombre por trata de niñas en San Pedro",
        "Un hombre fue imputado por trata de personas: captaba niñas por medio de la "
        "aplicación Kuñaplay y luego las llevaba a Asunción, donde eran explotadas "
        "sexualmente. Tenía además un perfil en Facebook.",
        date(2026, 10, 12),
    ),
]


@pytest.fixture
def overlay(settings, tmp_path):
    """The instance's vocabulary overlay in a folder of this test only."""
    settings.VAR_DIR = tmp_path / "var"
    vocab.refresh()
    yield tmp_path / "var" / "vocabulary" / "overlay.json"
    settings.VAR_DIR = tmp_path / "gone"
    vocab.refresh()


@pytest.fixture
def reports(db, overlay):
    for n, (title, text, day) in enumerate(REPORTS):
        store.save_article(
            {
                "url": f"https://diario.example/{n}",
                "title": title,
                "text": text,
                "date": day.isoformat(),
                "outlet": "Diario Ejemplo",
            }
        )
    store.run_on_stored_articles()


def test_names_the_vocabulary_knows_are_not_candidates():
    text = "La contactó a través de Facebook, luego vía WhatsApp y en el juego en línea Free Fire."
    assert mentions(text) == []
    assert [m.name for m in mentions("Tenía un perfil en Wink2 donde ofrecía empleo.")] == ["Wink2"]


def test_people_and_places_after_a_cue_are_not_candidates():
    text = "La captó a través de Juan Pérez, de 30 años, y la llevó vía Encarnación."
    assert mentions(text) == []


def test_an_analyst_adds_an_emerging_platform_and_the_extractor_recognises_it(
    reports, overlay, analyst, client
):
    article = REPORTS[0]
    assert APP not in extract_text(article[1], article[0])["platforms"]

    client.force_login(analyst)
    page = client.get("/revision/plataformas/").content.decode()
    assert APP in page
    assert "2026-09" in page and "2026-10" in page  # counts per month
    assert "contactó a través de Kuñaplay" in page  # the evidence
    assert "Facebook" not in page.split("<tbody>")[1].split("</tbody>")[0]

    response = client.post(
        "/revision/plataformas/agregar/", {"name": APP, "technology": "social_media"}, follow=True
    )
    assert "se agregó al vocabulario" in response.content.decode()

    # From now on the extractor tags it, and the stored reports were read again.
    assert APP in extract_text(article[1], article[0])["platforms"]
    from nanduti.monitoring.review import candidates

    assert all(APP in c.facts["platforms"] for c in candidates())
    # No longer a candidate; listed as added, with who and the new version.
    page = client.get("/revision/plataformas/").content.decode()
    assert "No hay nombres nuevos" in page
    assert "agregada por analista" in page
    platform = vocab.get("platform")
    assert platform.version.endswith("+1")
    assert platform.get("kunaplay").extra["added_by"] == "analista"
    assert overlay.exists()
    event = AuditEvent.objects.get(action="vocabulary-add")
    assert event.actor_id == analyst.pk
    assert event.changes["code"] == "kunaplay"


def test_adding_a_known_name_or_as_an_officer_is_refused(reports, analyst, officer, client):
    client.force_login(officer)
    assert client.get("/revision/plataformas/").status_code == 403
    assert client.post("/revision/plataformas/agregar/", {"name": APP}).status_code == 403
    client.force_login(analyst)
    response = client.post("/revision/plataformas/agregar/", {"name": "Telegram"}, follow=True)
    assert "ya está en el vocabulario" in response.content.decode()
    assert not AuditEvent.objects.filter(action="vocabulary-add").exists()


@pytest.mark.browser
@pytest.mark.slow
def test_analyst_adds_an_emerging_platform_in_a_browser(
    live_server, browser_page, screenshot, transactional_db, settings, tmp_path, analyst
):
    settings.VAR_DIR = tmp_path / "var"
    vocab.refresh()
    try:
        for n, (title, text, day) in enumerate(REPORTS):
            store.save_article(
                {"url": f"https://d.example/{n}", "title": title, "text": text,
                 "date": day.isoformat(), "outlet": "Diario Ejemplo"}
            )  # fmt: skip
        store.run_on_stored_articles()
        page = browser_page
        page.goto(f"{live_server.url}/cuenta/entrar/?next=/revision/")
        page.fill("#id_username", "analista")
        page.fill("#id_password", "clave-segura-123")
        page.click("form button[type=submit]:has-text('Entrar')")
        page.wait_for_url(f"{live_server.url}/revision/")
        page.click("a:has-text('Plataformas emergentes')")
        row = page.locator("tr[data-candidate=kunaplay]")
        assert row.locator("td.count").inner_text() == "2"
        assert row.locator("ul.evidence li").count() == 2
        screenshot(page, "monitoring_emerging_platforms", full_page=True)
        row.locator("button:has-text('Agregar')").click()
        page.wait_for_load_state()
        assert "se agregó al vocabulario" in page.locator(".messages").inner_text()
        assert page.locator("ul.added-platforms li", has_text=APP).count() == 1
        screenshot(page, "monitoring_emerging_added", full_page=True)
        page.click("a:has-text('Volver a la cola de revisión')")
        tags = page.locator("[data-fact=platforms] .tag", has_text=APP)
        assert tags.count() >= 1
    finally:
        settings.VAR_DIR = tmp_path / "gone"
        vocab.refresh()
