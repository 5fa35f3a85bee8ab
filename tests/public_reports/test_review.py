"""Public reports reach the analysts' review queue, clearly labelled, and the API."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from nanduti.api.tokens import create_token
from nanduti.public_reports import guard
from nanduti.public_reports.models import PublicReport, Status
from nanduti.registry.models import AuditEvent


def send(client, offer, **extra):
    return client.post("/denunciar/", dict(offer, **extra), REMOTE_ADDR="192.0.2.1")


@pytest.mark.django_db
def test_report_appears_in_the_analyst_queue_and_is_confirmed(client, analyst, offer):
    picture = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(picture, "PNG")
    picture.name = "captura.png"
    picture.seek(0)
    send(client, offer, screenshot=picture, contact="+595 21 000 000")
    report = PublicReport.objects.get()
    client.force_login(analyst)
    html = client.get("/revision/").content.decode()
    assert "Denuncias del público" in html and "Denuncia pública (anónima)" in html
    assert f'data-report="{report.pk}"' in html
    assert "Viaje solo de ida" in html and "Itapúa" in html and "Facebook" in html
    assert "+595 21 000 000" in html  # the contact the sender chose to leave
    shot = client.get(f"/denunciar/revision/{report.pk}/captura.png")
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(shot.content)).size == (30, 20)

    answer = client.post(f"/denunciar/revision/{report.pk}/decidir/", {"status": "confirmed"})
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CONFIRMED and report.reviewed_by == analyst
    event = AuditEvent.objects.get(model="publicreport", action="update")
    assert event.actor == analyst and "status" in event.changes
    assert "España" not in str(event.changes)
    html = client.get("/revision/").content.decode()
    assert f'data-report="{report.pk}"' not in html
    again = client.post(f"/denunciar/revision/{report.pk}/decidir/", {"status": "rejected"})
    assert "ya fue revisada" in client.get(again["Location"]).content.decode()


@pytest.mark.django_db
def test_officers_and_the_public_cannot_review(client, officer, offer):
    send(client, offer)
    report = PublicReport.objects.get()
    url = f"/denunciar/revision/{report.pk}/decidir/"
    assert client.post(url, {"status": "rejected"}).status_code == 302  # to the login page
    client.force_login(officer)
    assert client.post(url, {"status": "rejected"}).status_code == 403
    assert client.get(f"/denunciar/revision/{report.pk}/captura.png").status_code == 403
    report.refresh_from_db()
    assert report.status == Status.PENDING


@pytest.mark.django_db
def test_api_report_answers_at_once_and_reaches_the_reviewers(client, analyst, officer, offer):
    challenge = client.get("/api/public-reports/challenge").json()
    counter = guard.solve(challenge["challenge"], challenge["bits"])
    sent = client.post(
        "/api/public-reports/",
        dict(offer, pow_challenge=challenge["challenge"], pow_counter=str(counter)),
        REMOTE_ADDR="192.0.2.2",
    )
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["suspicious"] and "R3" in {r["code"] for r in body["reasons"]}
    assert any(line["number"] == "147" for line in body["help_lines"])

    trap = client.post("/api/public-reports/", dict(offer, website="x"), REMOTE_ADDR="192.0.2.2")
    assert trap.status_code == 400 and "hidden field" in trap.json()["detail"]
    short = client.post("/api/public-reports/", {"text": "hola"}, REMOTE_ADDR="192.0.2.3")
    assert short.status_code == 400 and "text" in short.json()["errors"]

    _, raw = create_token(analyst, "t")
    listed = client.get("/api/public-reports/pending", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [r["text"] for r in listed.json()] == [offer["text"]]
    _, raw = create_token(officer, "t")
    assert (
        client.get("/api/public-reports/pending", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 403
    )
    lines = client.get("/api/public-reports/help-lines?lang=en").json()
    assert lines[0]["name"].startswith("Ministry of Childhood") and lines[0]["source"]


@pytest.mark.django_db
def test_a_report_sent_while_logged_in_names_nobody(client, analyst, offer):
    client.force_login(analyst)
    send(client, offer)
    event = AuditEvent.objects.get(model="publicreport", action="create")
    assert event.actor is None and PublicReport.objects.get().reviewed_by is None
