"""Two people editing one case (issue 15, F6): the later save is refused with a conflict
page showing both versions, instead of silently overwriting the earlier one."""

import re

import pytest
from django.test import Client

from nanduti.registry.models import Case, Victim


def form_data(page: str) -> dict:
    """The hidden fields of the edit page (formset management, case version)."""
    pattern = r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS|version)"[^>]*value="(\d+)"'
    data = dict(re.findall(pattern, page))
    # Existing children's ids, so a save updates them instead of adding copies.
    data.update(re.findall(r'name="([\w-]+-\d+-id)"[^>]*value="(\d+)"', page))
    return data


@pytest.fixture
def case(institutions):
    case = Case.objects.create(institution=institutions["UFETESI"], reference="UF-9", year=2024)
    Victim.objects.create(case=case, reference="1", sex="female", age=15)
    return case


@pytest.fixture
def two_officers(officer, make_user, institutions):
    colleague = make_user("colega", "officer", institutions["UFETESI"])
    first, second = Client(), Client()
    first.force_login(officer)
    second.force_login(colleague)
    return first, second


def test_second_save_from_an_old_page_shows_both_versions(client, two_officers, case):
    first, second = two_officers
    url = f"/casos/{case.pk}/editar/"
    page_first = form_data(first.get(url).content.decode())
    page_second = form_data(second.get(url).content.decode())
    saved = first.post(url, {**page_first, "summary": "Versión de Ana", "lure": "job_offer"})
    assert saved.status_code == 302
    refused = second.post(url, {**page_second, "summary": "Versión de Beto"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Otra persona guardó este caso" in html
    assert "Versión de Ana" in html and "Versión de Beto" in html  # both, side by side
    case.refresh_from_db()
    assert case.summary == "Versión de Ana" and case.lure == "job_offer"
    # Saving the conflict page again is the deliberate choice to replace the stored one.
    again = second.post(url, {**form_data(html), "summary": "Versión de Beto"})
    assert again.status_code == 302
    case.refresh_from_db()
    assert case.summary == "Versión de Beto"


@pytest.mark.slow
def test_twenty_interleaved_edits_lose_none(two_officers, case):
    first, second = two_officers
    url = f"/casos/{case.pk}/editar/"
    lost = 0
    for n in range(20):
        page_first = form_data(first.get(url).content.decode())
        page_second = form_data(second.get(url).content.decode())
        assert first.post(url, {**page_first, "summary": f"A{n}"}).status_code == 302
        answer = second.post(url, {**page_second, "summary": f"B{n}"})
        case.refresh_from_db()
        # A's save is lost when B's stale page overwrote it without B being told.
        lost += answer.status_code == 302 and case.summary != f"A{n}"
        assert answer.status_code == 409 and case.summary == f"A{n}"
    assert lost == 0


def test_victim_added_by_one_is_not_dropped_by_the_others_old_page(two_officers, case):
    first, second = two_officers
    url = f"/casos/{case.pk}/editar/"
    page_first = form_data(first.get(url).content.decode())
    page_second = form_data(second.get(url).content.decode())
    added = first.post(url, {**page_first, "victims-1-sex": "male", "victims-1-age": "12"})
    assert added.status_code == 302
    assert case.victims.count() == 2
    answer = second.post(url, {**page_second, "victims-0-age": "16"})
    assert answer.status_code == 409
    assert case.victims.count() == 2


def test_form_without_version_is_not_saved_blind(client, officer, case):
    client.force_login(officer)
    url = f"/casos/{case.pk}/editar/"
    data = form_data(client.get(url).content.decode())
    data.pop("version")
    assert client.post(url, {**data, "summary": "sin versión"}).status_code == 409
    case.refresh_from_db()
    assert case.summary == ""
