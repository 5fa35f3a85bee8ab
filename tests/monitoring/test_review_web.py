"""The review queue pages (/revision/) and its JSON API (/api/monitoring/)."""

from __future__ import annotations

import pytest
from test_review import stories  # noqa: F401  (fixture shared with the logic tests)

from nanduti.monitoring.models import ReviewDecision
from nanduti.registry.models import Case


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def test_queue_requires_login(client, db):
    response = client.get("/revision/")
    assert response.status_code == 302 and "/cuenta/entrar/" in response["Location"]


def test_officers_are_refused(client, officer, stories):  # noqa: F811
    client.force_login(officer)
    assert client.get("/revision/").status_code == 403
    cde = stories["cde"][0]
    assert client.post(f"/revision/{cde.pk}/confirmar/").status_code == 403
    assert not Case.objects.exists()


def test_queue_shows_one_card_per_story_with_highlighted_evidence(analyst_client, stories):  # noqa: F811
    page = analyst_client.get("/revision/").content.decode()
    assert page.count('class="card candidate"') == 2
    # Highest score first; the outlets of all three articles of the story are named.
    assert page.index("captada por Facebook") < page.index("TikTok")
    for outlet in ("Diario Ejemplo", "Noticias Sur", "Agencia Ejemplo"):
        assert outlet in page
    evidence = "<mark>contactada por un desconocido a través de <strong>Facebook</strong></mark>"
    assert evidence in page
    assert "<mark><strong>Ciudad del Este</strong></mark>" in page
    assert (
        'data-fact="platforms"><span class="tag">Facebook</span><span class="tag">WhatsApp' in page
    )
    assert "Incautan cocaína" not in page  # not relevant, not queued


def test_confirm_from_the_page_creates_the_case(analyst_client, stories):  # noqa: F811
    lead = stories["cde"][1]
    response = analyst_client.post(f"/revision/{lead.pk}/confirmar/", follow=True)
    page = response.content.decode()
    case = Case.objects.get()
    assert f"caso {case.reference}" in page
    assert page.count('class="card candidate"') == 1
    decisions = analyst_client.get("/revision/decisiones/").content.decode()
    assert case.reference in decisions and "Facebook (Captación)" in decisions
    assert "Ciudad del Este · Alto Paraná · Argentina" in decisions


def test_reject_and_merge_from_the_page(analyst_client, stories):  # noqa: F811
    tiktok, cde = stories["tiktok"], stories["cde"][0]
    analyst_client.post(f"/revision/{tiktok.pk}/unir/", {"into": cde.pk})
    assert ReviewDecision.objects.filter(decision="merge").count() == 1
    analyst_client.post(f"/revision/{cde.pk}/rechazar/", {"note": "nota de opinión"})
    assert ReviewDecision.objects.filter(decision="reject", label=False).count() == 4
    assert "No hay candidatos pendientes" in analyst_client.get("/revision/").content.decode()


def test_merge_without_a_target_says_so_in_the_page_language(analyst_client, stories):  # noqa: F811
    response = analyst_client.post(f"/revision/{stories['tiktok'].pk}/unir/", follow=True)
    assert "Elija la noticia con la que unir" in response.content.decode()
    analyst_client.cookies["django_language"] = "en"
    response = analyst_client.post(f"/revision/{stories['tiktok'].pk}/unir/", follow=True)
    assert "Choose the story to merge with" in response.content.decode()


@pytest.fixture
def token_headers(analyst):
    from nanduti.api.tokens import create_token

    _, raw = create_token(analyst, "pruebas")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_lists_candidates_and_confirms(client, stories, token_headers):  # noqa: F811
    rows = client.get("/api/monitoring/candidates", **token_headers).json()
    assert [r["story_group"] for r in rows] == ["g-cde", "g-tiktok"]
    assert rows[0]["facts"]["platforms"] == ["Facebook", "WhatsApp"]
    assert len(rows[0]["articles"]) == 3
    assert "Ciudad del Este" in rows[0]["evidence"]

    tiktok = stories["tiktok"]
    response = client.post(
        f"/api/monitoring/candidates/{tiktok.pk}/confirm",
        data={"note": "vía API"},
        content_type="application/json",
        **token_headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "confirm" and body["case_reference"].startswith("PRENSA-")
    again = client.post(
        f"/api/monitoring/candidates/{tiktok.pk}/reject",
        data={},
        content_type="application/json",
        **token_headers,
    )
    assert again.status_code == 409 and "already reviewed" in again.json()["detail"]
    decisions = client.get("/api/monitoring/decisions", **token_headers).json()
    assert decisions[0]["note"] == "vía API"


def test_api_refuses_officers_and_anonymous(client, stories, officer):  # noqa: F811
    from nanduti.api.tokens import create_token

    assert client.get("/api/monitoring/candidates").status_code == 401
    _, raw = create_token(officer)
    response = client.get("/api/monitoring/candidates", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403


def test_card_shows_the_event_date_never_the_publication_date(analyst_client, stories):  # noqa: F811
    from nanduti.monitoring.models import Extraction

    # a result stored before event and publication dates were kept apart
    old = Extraction.objects.get(article=stories["tiktok"])
    old.result = {**old.result, "date": "2026-04-02", "date_source": "publication"}
    old.save()
    page = analyst_client.get("/revision/").content.decode()
    cde = page[page.index('class="facts"', page.index("captada por Facebook")) :]
    tiktok = page[page.index('class="facts"', page.index("contactaba a niñas por TikTok")) :]
    assert 'data-fact="date"><span class="tag">13 marzo 2026' in cde[: cde.index("</dl>")]
    facts = tiktok[: tiktok.index("</dl>")]  # the header still says when it was published
    assert 'data-fact="date"><span class="tag">no consta en el texto' in facts
    assert "2 abril 2026" not in facts and "2026-04-02" not in facts
