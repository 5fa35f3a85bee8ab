"""An analyst reviews press candidates in a real browser (headless Chromium, Playwright).

End to end: the demo's sample articles are stored, the real pipeline runs over them, and the
analyst confirms the story that three outlets reported, then finds the press case.
"""

from __future__ import annotations

import pytest

from nanduti.monitoring import store
from nanduti.registry.models import Case

CDE_TITLE = "Rescatan a adolescente captada por Facebook"


@pytest.fixture
def analysed_samples(transactional_db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    store.load_jsonl_articles(store.SAMPLE_ARTICLES)
    return store.run_on_stored_articles()


@pytest.mark.browser
@pytest.mark.slow
def test_analyst_confirms_a_candidate_and_finds_the_press_case(
    live_server, browser_page, screenshot, analysed_samples, analyst
):
    page = browser_page
    page.goto(f"{live_server.url}/revision/")
    # Not logged in: sent to the login form, then back to the queue.
    assert "/cuenta/entrar/" in page.url
    page.fill("#id_username", "analista")
    page.fill("#id_password", "clave-segura-123")
    page.click("form button[type=submit]:has-text('Entrar')")
    page.wait_for_url(f"{live_server.url}/revision/")

    cards = page.locator("article.candidate")
    assert cards.count() == analysed_samples.groups
    card = cards.filter(has=page.locator("h2", has_text=CDE_TITLE))
    assert card.count() == 1  # three outlets, one candidate
    assert card.locator(".tag").filter(has_text="Diario Ejemplo").count() == 1
    assert card.locator("[data-fact=platforms] .tag").all_inner_texts() == [
        "Facebook",
        "WhatsApp",
    ]
    card.locator("summary:has-text('Texto con la evidencia')").click()
    marked = card.locator(".article-text mark")
    assert marked.count() >= 3
    assert card.locator(".article-text mark strong", has_text="Facebook").count() >= 1
    card.scroll_into_view_if_needed()
    screenshot(card, "monitoring_candidate")
    screenshot(page, "monitoring_queue", full_page=False)

    card.locator("button:has-text('Confirmar y crear caso de prensa')").click()
    page.wait_for_load_state()
    case = Case.objects.get()
    message = page.locator(".messages").inner_text()
    assert message.startswith("Noticia confirmada") and case.reference in message
    assert page.locator("article.candidate").count() == analysed_samples.groups - 1
    assert cards.filter(has=page.locator("h2", has_text=CDE_TITLE)).count() == 0

    page.click("text=Decisiones tomadas")
    rows = page.locator("tr[data-decision=confirm]")
    assert rows.count() == 3  # one decision per article of the story, one case
    text = rows.first.inner_text()
    assert case.reference in text
    assert "Facebook (Captación)" in text and "WhatsApp (Captación)" in text
    assert "Ciudad del Este · Alto Paraná · Argentina" in text
    screenshot(page, "monitoring_decisions", full_page=True)
    assert case.source == "press" and case.technologies.filter(platform="facebook").exists()
    assert case.victims.get().age_band == "15_17"
    # The analyst opens the press case they confirmed (their own case page, read-only).
    page.get_by_role("link", name=case.reference).first.click()
    page.wait_for_url(f"**/casos/{case.pk}/")
    assert case.reference in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("link", name="Editar").count() == 0
    screenshot(page, "monitoring_press_case", full_page=True)
