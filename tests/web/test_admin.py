"""Django admin for stewards: scoped to their institution, identifying data protected."""

import pytest

from nanduti.registry import services
from nanduti.registry.models import AuditEvent, Case, Victim


@pytest.fixture
def steward(make_user, institutions):
    user = make_user("steward_uf", "steward", institutions["UFETESI"])
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def cases(institutions):
    own = services.save_case(
        Case(institution=institutions["UFETESI"], reference="UF-ADM"),
        actor=None,
        children=[Victim(sex="female", full_name="Lucía Reservada")],
    )
    other = services.save_case(
        Case(institution=institutions["MINNA"], reference="MINNA-ADM"),
        actor=None,
        children=[Victim(sex="male", full_name="Juan Reservado")],
    )
    return own, other


def test_steward_sees_only_own_cases_and_memberships(client, steward, other_officer, cases):
    own, other = cases
    client.force_login(steward)
    listing = client.get("/admin/registry/case/").content.decode()
    assert "UF-ADM" in listing and "MINNA-ADM" not in listing
    assert client.get(f"/admin/registry/case/{other.pk}/change/").status_code == 302
    members = client.get("/admin/registry/membership/").content.decode()
    assert "steward_uf" in members and "oficial_minna" not in members


def test_steward_sees_identifying_of_own_case(client, steward, cases):
    own, _ = cases
    client.force_login(steward)
    page = client.get(f"/admin/registry/case/{own.pk}/change/").content.decode()
    assert "Lucía Reservada" in page


def test_superuser_admin_does_not_see_identifying(client, django_user_model, cases):
    own, other = cases
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    for case in (own, other):
        page = client.get(f"/admin/registry/case/{case.pk}/change/").content.decode()
        assert case.reference in page
        assert "Reservad" not in page


def test_audit_events_are_read_only(client, steward, cases):
    client.force_login(steward)
    event = AuditEvent.objects.filter(institution__code="UFETESI").first()
    assert event is not None, "creating the cases wrote audit events"
    assert client.get("/admin/registry/auditevent/add/").status_code == 403
    page = client.get(f"/admin/registry/auditevent/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    foreign = AuditEvent.objects.filter(institution__code="MINNA").first()
    assert client.get(f"/admin/registry/auditevent/{foreign.pk}/change/").status_code == 302


def test_officer_has_no_admin(client, officer):
    client.force_login(officer)
    response = client.get("/admin/registry/case/")
    assert response.status_code == 302


def test_an_admin_edit_is_written_through_the_service(client, steward, cases):
    own, _ = cases
    client.force_login(steward)
    page = client.get(f"/admin/registry/case/{own.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(department="central", year="2024")
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for child in formset.formset.forms:
            for name in child.fields:
                value = child[name].value()
                data[child.add_prefix(name)] = "" if value is None else value
    response = client.post(f"/admin/registry/case/{own.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Case.objects.get(pk=own.pk)
    assert (stored.department, stored.year, stored.version) == ("central", 2024, 2)
    change = AuditEvent.objects.get(action="update", model="case", case_id=own.pk)
    assert change.actor == steward
    assert change.changes["department"] == ["", "central"]


def test_third_party_sections_of_the_admin_read_in_one_language(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    spanish = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for english in ("Axes", "Access attempts", "Otp_Totp", "TOTP devices", "Task Results"):
        assert english not in spanish
    assert "Intentos de acceso" in spanish and "Cola de trabajos" in spanish
    client.cookies["django_language"] = "en"
    english_page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Access attempts" in english_page and "Job queue" in english_page
