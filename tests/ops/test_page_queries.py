"""The pages the production server is measured on (issue 15): a fixed number of SQL queries
however many cases there are (an N+1 coming back fails here), and what they keep until the
registry changes is counted again after a change."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from nanduti.api.schemas import CasePage
from nanduti.api.tokens import create_token
from nanduti.registry import services
from nanduti.registry.models import Case, Exploitation, Perpetrator, TechnologyUse, Victim
from nanduti.stats import summary

PAGES = ("/casos/", "/casos/{case}/", "/estadisticas/", "/api/cases")


def add_cases(institution, count: int, start: int = 0) -> Case:
    """Cases with two victims, two platforms, an exploitation and a perpetrator each."""
    case = None
    for n in range(start, start + count):
        case = Case.objects.create(
            institution=institution, reference=f"Q-{n}", year=2020 + n % 5, department="central"
        )
        Victim.objects.create(
            case=case, reference="1", sex="female", age=15, full_name=f"Nombre {n}"
        )
        Victim.objects.create(
            case=case, reference="2", sex="male", age_band="18_29", phone="0981 000 000"
        )
        TechnologyUse.objects.create(case=case, phase="recruitment", platform="facebook")
        TechnologyUse.objects.create(case=case, phase="exploitation", platform="whatsapp")
        Exploitation.objects.create(case=case, type="sexual")
        Perpetrator.objects.create(case=case, role="recruiter", full_name="Alias")
    return case


def queries_per_page(client, token: str, case: Case) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        path = page.format(case=case.pk)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if path.startswith("/api/") else {}
        client.get(path, **headers)  # first view: templates and vocabularies loaded
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(path, **headers)
        assert answer.status_code == 200, path
        counts[page] = len(queries)
    return counts


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client, create_token(officer, "pages")[1]


def test_each_page_asks_the_same_number_of_queries_for_3_and_40_cases(
    officer_client, officer, institutions
):
    client, token = officer_client
    institution = officer.membership.institution
    case = add_cases(institution, 3)
    few = queries_per_page(client, token, case)
    add_cases(institution, 37, start=3)
    many = queries_per_page(client, token, case)
    assert many == few
    # Session, user, membership and the page's own reads, none per row (in a test's
    # transaction nothing is kept: the dashboard's data version and counts are read too).
    assert all(n <= 20 for n in many.values()), many


@pytest.mark.django_db(transaction=True)
def test_kept_counts_and_rows_change_with_the_registry(client, officer, institutions):
    """Outside a transaction (as under `nanduti serve`) the case list's count and rows are
    kept; a new case, saved as any change is, shows on the next view."""
    cache.clear()
    client.force_login(officer)
    institution = officer.membership.institution
    add_cases(institution, 2)
    client.get("/casos/")
    with CaptureQueriesContext(connection) as kept:
        html = client.get("/casos/").content.decode()
    assert "Q-1" in html and "<strong>2</strong>" in html
    assert not any("COUNT(" in q["sql"] for q in kept.captured_queries)
    assert not any('"registry_victim"."case_id"' in q["sql"] for q in kept.captured_queries)

    add_cases(institution, 1, start=2)
    html = client.get("/casos/").content.decode()
    assert "Q-2" in html and "<strong>3</strong>" in html
    services.delete_case(Case.objects.get(reference="Q-0"), actor=officer)  # as the pages do
    html = client.get("/casos/").content.decode()
    assert "Q-0" not in html and "<strong>2</strong>" in html


@pytest.mark.django_db(transaction=True)
def test_api_list_is_kept_encrypted_until_the_registry_changes(client, officer, institutions):
    """Outside a transaction (as under `nanduti serve`) the API list's page is read once
    per registry change; its identifying fields are kept encrypted and decrypted for each
    answer, and a change through the API shows on the next call."""
    cache.clear()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(officer, 'pages')[1]}"}
    add_cases(officer.membership.institution, 2)
    client.get("/api/cases", **headers)
    with CaptureQueriesContext(connection) as kept:
        body = client.get("/api/cases", **headers).json()
    asked = " ".join(q["sql"] for q in kept.captured_queries)
    assert '"registry_victim"."case_id"' not in asked and "COUNT(" not in asked
    names = {v["identifying"]["full_name"] for case in body["results"] for v in case["victims"]}
    assert names == {"Nombre 0", "Nombre 1", ""} and body["count"] == 2
    # What the cache holds (pickled by the local-memory backend) has no plain text.
    held = b"".join(cache._cache.values())  # type: ignore[attr-defined]
    assert b"Nombre 0" not in held and b"0981 000 000" not in held

    case = body["results"][0]
    changed = client.patch(
        f"/api/cases/{case['id']}",
        json.dumps({"summary": "Cambiado por la API"}),
        content_type="application/json",
        **headers,
    )
    assert changed.status_code == 200
    add_cases(officer.membership.institution, 1, start=2)
    after = client.get("/api/cases", **headers).json()
    assert after["count"] == 3
    (again,) = [c for c in after["results"] if c["id"] == case["id"]]
    assert again["summary"] == "Cambiado por la API" and again["version"] == case["version"] + 1


@pytest.mark.django_db(transaction=True)
def test_kept_lists_follow_a_membership_moved_to_another_institution(client, officer, institutions):
    """A membership an administrator changes is no registry change: the kept API list and
    web list must still answer for the user's institution and role of now."""
    cache.clear()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(officer, 'pages')[1]}"}
    add_cases(institutions["UFETESI"], 1)
    add_cases(institutions["MINNA"], 1, start=7)
    client.force_login(officer)
    assert [c["reference"] for c in client.get("/api/cases", **headers).json()["results"]] == [
        "Q-0"
    ]
    assert "Q-0" in client.get("/casos/").content.decode()

    membership = officer.membership
    membership.institution = institutions["MINNA"]
    membership.save()
    body = client.get("/api/cases", **headers).json()
    assert [c["reference"] for c in body["results"]] == ["Q-7"]
    assert body["results"][0]["victims"][0]["identifying"]["full_name"] == "Nombre 7"
    html = client.get("/casos/").content.decode()
    assert "Q-7" in html and "Q-0" not in html

    membership.role = "admin"  # same institution, no identifying data any more
    membership.save()
    body = client.get("/api/cases", **headers).json()
    assert body["results"][0]["victims"][0]["identifying"] is None


def test_api_list_answer_matches_its_schema(officer_client, officer, institutions):
    client, token = officer_client
    add_cases(officer.membership.institution, 3)
    answer = client.get("/api/cases?page_size=2", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    page = CasePage.model_validate(answer)
    assert page.count == 3 and len(page.results) == 2
    # What django-ninja would write after validating through the schema, field for field.
    assert json.loads(json.dumps(page.model_dump(), cls=NinjaJSONEncoder)) == answer
    victims = [v for case in answer["results"] for v in case["victims"]]
    assert {v["identifying"]["full_name"] for v in victims} >= {"Nombre 2", ""}


def _dashboard_cells(client, url: str) -> tuple[list[str], list[str]]:
    """The table's cells, and the SQL the view ran."""
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    html = answer.content.decode()
    return re.findall(r'<td class="[^"]*">([^<]*)</td>', html), [
        q["sql"] for q in queries.captured_queries
    ]


@pytest.mark.django_db(transaction=True)
def test_dashboard_tables_are_kept_per_summary_build_and_per_institution(
    client, officer, other_officer, institutions
):
    """Outside a transaction (as under `nanduti serve`) a table the summary answers is
    read from it once per build; each institution still sees its own figures, and a
    rebuild after a change shows the change on the next view."""
    add_cases(institutions["UFETESI"], 3)
    add_cases(institutions["MINNA"], 2, start=3)
    summary.refresh()
    url = "/estadisticas/?rows=department&cols=&scope=own"
    client.force_login(officer)
    first, asked = _dashboard_cells(client, url)
    assert any("stats_summarycell" in sql for sql in asked)
    again, asked = _dashboard_cells(client, url)
    assert again == first and "3" in first and "2" not in first
    assert not any("stats_summarycell" in sql for sql in asked)

    client.force_login(other_officer)  # the other institution: its own figures, not kept ones
    theirs, _asked = _dashboard_cells(client, url)
    assert "2" in theirs and "3" not in theirs

    add_cases(institutions["UFETESI"], 1, start=10)
    summary.refresh()
    client.force_login(officer)
    after, asked = _dashboard_cells(client, url)
    assert "4" in after and "3" not in after
    assert any("stats_summarycell" in sql for sql in asked)


@pytest.mark.django_db(transaction=True)
def test_page_queries_stay_flat_outside_a_transaction(client, officer, institutions):
    """What `nanduti serve` runs per view once values are kept: session, user, membership
    with its institution, the registry's marker and the page's own reads."""
    add_cases(officer.membership.institution, 3)
    summary.refresh()
    client.force_login(officer)
    token = create_token(officer, "pages")[1]
    case = Case.objects.filter(institution=officer.membership.institution).first()
    counts = queries_per_page(client, token, case)
    add_cases(officer.membership.institution, 30, start=3)
    summary.refresh()
    assert queries_per_page(client, token, case) == counts
    # Each HTML page: session, user with membership and institution (one query), and the
    # registry marker (the synthetic-data banner). The list: its kept counts, rows and
    # filter form (one more marker). The detail: the case and six kinds of children. The
    # dashboard: the data version's marker and the summary's state. The API (this client
    # also sends its session cookie): two lock-out checks, the token with its user and
    # membership, and the marker (its count and cases are kept).
    assert counts == {
        "/casos/": 4,
        "/casos/{case}/": 10,
        "/estadisticas/": 5,
        "/api/cases": 6,
    }, counts
