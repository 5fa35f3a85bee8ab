"""Writing cases through the one service (registry.services): the same audit trail whatever
the door (web form, API, review queue), no audit row for a write that failed, and a write
made from an old version refused."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.db import IntegrityError
from django.test import Client

from nanduti.api.tokens import create_token
from nanduti.monitoring import review
from nanduti.monitoring.models import Article, Extraction
from nanduti.registry import services
from nanduti.registry.models import AuditEvent, Case, ImportBatch, Victim
from nanduti.web.history import history

# What the three doors are given alike; the trail is compared on these fields.
COMPARED = {
    "year",
    "reported_on",
    "department",
    "sex",
    "age",
    "age_band",
    "phase",
    "platform",
    "technology",
    "type",
}


def management_data(page: str) -> dict:
    pattern = r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"'
    return dict(re.findall(pattern, page))


def trail(case: Case, actor) -> list[tuple]:
    """The case's audit events as (action, model, compared values), checking each names the
    actor, the case and its institution."""
    rows = []
    # The review queue's own decision event is about the story, not the case's content.
    for event in AuditEvent.objects.filter(case_id=case.pk).exclude(model="reviewdecision"):
        assert (event.actor, event.institution_id) == (actor, case.institution_id)
        values = {k: v[1] for k, v in event.changes.items() if k in COMPARED}
        rows.append((event.action, event.model, sorted(values.items())))
    return sorted(rows)


@pytest.fixture
def press_case(analyst):
    """A story confirmed in the review queue: the service creates its press case."""
    article = Article.objects.create(
        canonical_url="https://diario.example/nota/1",
        content_hash="1" * 64,
        title="Rescatan a adolescente captada por Facebook",
        text="Una adolescente de 16 años fue captada por Facebook en Central.",
        outlet="Diario Ejemplo",
        published=date(2026, 3, 14),
    )
    result = {
        "is_trafficking": True,
        "score": 0.9,
        "platforms": ["Facebook"],
        "departments": ["Central"],
        "victim_ages": [16],
        "victim_minor": True,
        "victim_gender": "female",
        "exploitation": ["sexual"],
        "date": "2026-03-13",
    }
    Extraction.objects.create(article=article, result=result, score=0.9, is_trafficking=True)
    return review.confirm(article, analyst).case


def test_web_form_api_and_review_queue_leave_the_same_audit_trail(
    client, officer, analyst, press_case
):
    victim = press_case.victims.get()
    technology = press_case.technologies.get()
    exploitation = press_case.exploitations.get()
    assert (press_case.department, victim.age, technology.platform) == ("central", 16, "facebook")

    client.force_login(officer)
    page = client.get("/casos/nuevo/").content.decode()
    form = management_data(page)
    form.update(
        year=str(press_case.year),
        reported_on=press_case.reported_on.isoformat(),
        department=press_case.department,
        exploitation_types=[exploitation.type],
        **{
            "victims-0-sex": victim.sex,
            "victims-0-age": str(victim.age),
            "technologies-0-phase": technology.phase,
            "technologies-0-platform": technology.platform,
        },
    )
    assert client.post("/casos/nuevo/", form).status_code == 302
    by_form = Case.objects.get(institution__code="UFETESI")

    _, token = create_token(officer, "test")
    response = Client().post(
        "/api/cases",
        json.dumps(
            {
                "reference": "API-1",
                "year": press_case.year,
                "reported_on": press_case.reported_on.isoformat(),
                "department": press_case.department,
                "victims": [{"sex": victim.sex, "age": victim.age}],
                "technologies": [{"phase": technology.phase, "platform": technology.platform}],
                "exploitations": [{"type": exploitation.type}],
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    by_api = Case.objects.get(pk=response.json()["id"])

    expected = trail(press_case, analyst)
    assert AuditEvent.objects.filter(case_id=press_case.pk, action="confirm").exists()
    assert [(action, model) for action, model, _ in expected] == [
        ("create", "case"),
        ("create", "exploitation"),
        ("create", "technologyuse"),
        ("create", "victim"),
    ]
    assert ("age_band", "15_17") in expected[3][2] and ("technology", "social_media") in (
        expected[2][2]
    )
    assert trail(by_form, officer) == expected
    assert trail(by_api, officer) == expected


def test_a_failed_write_leaves_no_audit_row(officer, institutions):
    case = services.save_case(
        Case(institution=institutions["UFETESI"], reference="F-1"),
        actor=officer,
        children=[Victim(sex="female")],
    )
    before = AuditEvent.objects.count()
    case.summary = "cambio que no debe quedar"
    with pytest.raises(IntegrityError):  # an age below zero breaks the column's CHECK
        services.save_case(case, actor=officer, children=[Victim(sex="male", age=-1)])
    case = Case.objects.get(pk=case.pk)
    assert (case.summary, case.version, case.victims.count()) == ("", 1, 1)
    assert AuditEvent.objects.count() == before

    with pytest.raises(IntegrityError):
        services.save_case(
            Case(institution=institutions["UFETESI"], reference="F-2"),
            actor=officer,
            children=[Victim(age=-1)],
        )
    assert not Case.objects.filter(reference="F-2").exists()
    assert AuditEvent.objects.count() == before


def test_stale_writes_from_the_web_and_the_api_are_refused_without_audit(
    client, officer, institutions
):
    case = services.save_case(
        Case(institution=institutions["UFETESI"], reference="S-1", year=2024), actor=officer
    )
    services.save_case(Case.objects.get(pk=case.pk), actor=officer, expected_version=1)
    before = AuditEvent.objects.count()

    client.force_login(officer)
    page = client.get(f"/casos/{case.pk}/editar/").content.decode()
    form = management_data(page)
    refused = client.post(f"/casos/{case.pk}/editar/", {**form, "version": "1", "summary": "x"})
    assert refused.status_code == 409

    _, token = create_token(officer, "test")
    stale = Client().patch(
        f"/api/cases/{case.pk}",
        json.dumps({"summary": "y"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IF_MATCH='"1"',
    )
    assert stale.status_code == 412
    assert AuditEvent.objects.count() == before
    assert Case.objects.get(pk=case.pk).summary == ""


def test_the_later_of_two_concurrent_updates_is_refused_until_it_reads_again(
    officer, make_user, institutions
):
    colleague = make_user("colega", "officer", institutions["UFETESI"])
    case = services.save_case(
        Case(institution=institutions["UFETESI"], reference="C-1"), actor=officer
    )
    mine, theirs = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    mine.summary = "primero"
    services.save_case(mine, actor=officer, expected_version=1)
    theirs.summary = "segundo"
    with pytest.raises(services.StaleVersion) as refused:
        services.save_case(theirs, actor=colleague, expected_version=1)
    assert (refused.value.stored.summary, refused.value.stored.version) == ("primero", 2)
    # Having read the stored version, the colleague's deliberate overwrite goes through.
    services.save_case(theirs, actor=colleague, expected_version=refused.value.stored.version)
    updates = AuditEvent.objects.filter(action="update", case_id=case.pk).order_by("id")
    assert [(e.actor, e.changes["summary"]) for e in updates] == [
        (officer, ["", "primero"]),
        (colleague, ["primero", "segundo"]),
    ]
    assert Case.objects.get(pk=case.pk).version == 3


def test_a_service_write_marks_an_imported_case_as_changed_and_numbers_new_victims(
    officer, institutions
):
    case = services.save_case(
        Case(institution=institutions["UFETESI"], reference="H-1"),
        actor=officer,
        children=[Victim(sex="female"), Victim(sex="male")],
    )
    Case.objects.filter(pk=case.pk).update(content_hash="a" * 64)  # as the importer leaves it
    case = Case.objects.get(pk=case.pk)
    services.save_case(case, actor=officer, children=[Victim(reference="", sex="female")])
    case.refresh_from_db()
    assert case.content_hash == "" and case.version == 2
    assert sorted(case.victims.values_list("reference", flat=True)) == ["1", "2", "3"]


def test_an_import_batch_is_one_event_the_case_history_finds(officer, institutions):
    cases = [
        Case.objects.create(institution=institutions["UFETESI"], reference=f"I-{n}")
        for n in range(4)
    ]
    batch = ImportBatch.objects.create(
        institution=institutions["UFETESI"],
        original_name="casos.csv",
        sha256="b" * 64,
        created_by=officer,
    )
    ids = [c.pk for c in cases]
    event = services.record_import(batch, created=ids[:3], updated=ids[3:], unchanged=5)
    assert event.actor == officer and event.institution == institutions["UFETESI"]
    assert event.changes["created"] == [[ids[0], ids[2]]]
    assert event.changes["counts"] == {"created": 3, "updated": 1, "unchanged": 5}
    assert services.record_import(batch) is None  # nothing written, no event
    rows = history(ids[1], "en")
    assert [r.action for r in rows] == ["imported (created)"]
    assert "casos.csv" in rows[0].note and officer.username in rows[0].note
    assert [r.action for r in history(ids[3], "en")] == ["imported (changed)"]
