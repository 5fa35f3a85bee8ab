"""REST API: token auth, permissions, nested cases, vocabularies, OpenAPI."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from nanduti.api.models import ApiToken
from nanduti.api.tokens import create_token, hash_token
from nanduti.registry.models import AuditEvent, Case, TechnologyUse, Victim


def bearer(user) -> dict:
    _, raw = create_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def patch_json(client, url, data, **headers):
    return client.patch(url, json.dumps(data), content_type="application/json", **headers)


@pytest.fixture
def own_case(officer, institutions):
    case = Case.objects.create(institution=institutions["UFETESI"], reference="UF-1", year=2023)
    Victim.objects.create(case=case, sex="female", age=16, full_name="María Secreta")
    TechnologyUse.objects.create(case=case, phase="recruitment", platform="tiktok")
    return case


@pytest.fixture
def foreign_case(other_officer, institutions):
    case = Case.objects.create(institution=institutions["MINNA"], reference="MINNA-9")
    Victim.objects.create(case=case, sex="male", full_name="Pedro Oculto")
    return case


def test_no_token_or_bad_token_is_401(client, own_case):
    assert client.get("/api/cases").status_code == 401
    assert client.get("/api/cases", HTTP_AUTHORIZATION="Bearer ndt_wrong").status_code == 401


def test_only_hash_is_stored_and_revoked_token_rejected(client, officer, own_case):
    token, raw = create_token(officer, "ci")
    assert token.key_hash == hash_token(raw) and raw not in token.key_hash
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/cases", **headers).status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    call_command("revoke_token", token.prefix, stdout=StringIO())
    assert client.get("/api/cases", **headers).status_code == 401


def test_create_token_command_prints_token_once(client, officer):
    out = StringIO()
    call_command("create_token", "oficial", "--name", "script", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    assert raw.startswith("ndt_")
    assert ApiToken.objects.get().key_hash == hash_token(raw)
    response = client.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_list_only_own_cases_with_identifying_for_owner(client, officer, own_case, foreign_case):
    body = client.get("/api/cases", **bearer(officer)).json()
    assert body["count"] == 1
    (case,) = body["results"]
    assert case["reference"] == "UF-1"
    assert case["victims"][0]["identifying"]["full_name"] == "María Secreta"
    assert case["technologies"][0]["platform"] == "tiktok"
    assert "MINNA-9" not in json.dumps(body) and "Pedro Oculto" not in json.dumps(body)


def test_other_institution_case_is_404(client, officer, foreign_case):
    headers = bearer(officer)
    url = f"/api/cases/{foreign_case.pk}"
    assert client.get(url, **headers).status_code == 404
    assert patch_json(client, url, {"summary": "x"}, **headers).status_code == 404
    assert client.delete(url, **headers).status_code == 404
    assert Case.objects.filter(pk=foreign_case.pk).exists()


def test_admin_of_institution_gets_no_identifying_data(client, make_user, institutions, own_case):
    admin = make_user("admin_uf", "admin", institutions["UFETESI"])
    body = client.get(f"/api/cases/{own_case.pk}", **bearer(admin)).content.decode()
    assert "María Secreta" not in body
    assert json.loads(body)["victims"][0]["identifying"] is None


def test_analyst_is_403(client, analyst, own_case):
    headers = bearer(analyst)
    assert client.get("/api/cases", **headers).status_code == 403
    assert client.get(f"/api/cases/{own_case.pk}", **headers).status_code == 403
    assert post_json(client, "/api/cases", {}, **headers).status_code == 403


def test_create_nested_case_audited_with_token_user(client, officer):
    response = post_json(
        client,
        "/api/cases",
        {
            "year": 2024,
            "department": "itapua",
            "lure": "not_asked",
            "modality": "unknown",
            "victims": [
                {"sex": "female", "age": 14, "identifying": {"full_name": "Ana"}},
                {"sex": "not_asked"},
            ],
            "technologies": [{"phase": "recruitment", "platform": "tiktok"}],
            "exploitations": [{"type": "online_sexual", "setting": "online"}],
        },
        **bearer(officer),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "2024-00001"
    assert (body["lure"], body["modality"]) == ("not_asked", "unknown")
    assert [v["sex"] for v in body["victims"]] == ["female", "not_asked"]
    assert body["victims"][0]["age_band"] == "12_14"
    assert body["technologies"][0]["technology"] == "social_media"
    case = Case.objects.get(pk=body["id"])
    assert case.created_by == officer
    assert case.victims.get(reference="1").full_name == "Ana"
    event = AuditEvent.objects.get(model="case", action="create", case=case)
    assert event.actor == officer


def test_invalid_code_is_422_naming_field(client, officer):
    response = post_json(
        client,
        "/api/cases",
        {"victims": [{"sex": "robot"}]},
        **bearer(officer),
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "victims[1].sex" in detail and "robot" in detail
    assert Case.objects.count() == 0


def test_means_of_control_through_the_api(client, officer):
    bad = post_json(client, "/api/cases", {"means_of_control": ["marcianos"]}, **bearer(officer))
    assert bad.status_code == 422 and "means_of_control" in bad.json()["detail"]
    made = post_json(
        client, "/api/cases", {"means_of_control": ["withholds_documents"]}, **bearer(officer)
    )
    assert made.status_code in (200, 201), made.content
    case = Case.objects.get()
    assert case.means_of_control == ["withholds_documents"]
    got = client.get(f"/api/cases/{case.pk}", **bearer(officer)).json()
    assert got["means_of_control"] == ["withholds_documents"]


def test_patch_updates_fields_and_nested_lists(client, officer, own_case):
    headers = bearer(officer)
    victim = own_case.victims.get()
    tiktok = own_case.technologies.get()
    response = patch_json(
        client,
        f"/api/cases/{own_case.pk}",
        {
            "legal_status": "investigation",
            "victims": [{"id": victim.pk, "sex": "female", "age": 17}],
            "technologies": [{"phase": "recruitment", "platform": "whatsapp"}],
            "remove": {"technologies": [tiktok.pk]},
        },
        **headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["legal_status"] == "investigation"
    assert body["year"] == 2023  # untouched
    assert [t["platform"] for t in body["technologies"]] == ["whatsapp"]
    victim.refresh_from_db()
    assert victim.age == 17 and victim.full_name == "María Secreta"
    assert AuditEvent.objects.filter(case=own_case, model="technologyuse", action="delete")


def test_delete_case(client, officer, own_case):
    response = client.delete(f"/api/cases/{own_case.pk}", **bearer(officer))
    assert response.status_code == 204
    assert not Case.objects.filter(pk=own_case.pk).exists()
    assert AuditEvent.objects.filter(object_id=str(own_case.pk), action="delete", model="case")


def test_filters_and_pagination(client, officer, institutions, own_case):
    for n in range(3):
        Case.objects.create(institution=institutions["UFETESI"], reference=f"X-{n}", year=2020)
    headers = bearer(officer)
    body = client.get("/api/cases", {"platform": "tiktok"}, **headers).json()
    assert [c["reference"] for c in body["results"]] == ["UF-1"]
    body = client.get("/api/cases", {"year": 2020, "page_size": 2}, **headers).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    body = client.get("/api/cases", {"year": 2020, "page_size": 2, "page": 2}, **headers).json()
    assert len(body["results"]) == 1


def test_vocabularies(client, db):
    names = {v["name"] for v in client.get("/api/vocabularies").json()}
    assert {"platform", "sex", "department"} <= names
    body = client.get("/api/vocabularies/platform").json()
    tiktok = next(t for t in body["terms"] if t["code"] == "tiktok")
    assert tiktok["label_en"] == "TikTok" and tiktok["parent"] == "social_media"
    assert {t["code"] for t in body["special_codes"]} == {"unknown", "not_asked"}
    assert client.get("/api/vocabularies/nope").status_code == 404


def test_openapi_schema_and_docs(client, db):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Ñandutí API"
    assert "/api/cases" in schema["paths"] and "/api/cases/{case_id}" in schema["paths"]
    assert "CaseOut" in schema["components"]["schemas"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    for asset in re.findall(r'(?:src|href)="(/api/docs-assets/[^"]+)"', html):
        assert client.get(asset).status_code == 200
    assert len(re.findall(r"/api/docs-assets/", html)) == 4
