"""The probe's API findings: unknown fields dropped silently, English-only errors, ?limit=
ignored, javascript: links stored (issue 15, F3 and "the API drops what it does not know")."""

import json

import pytest

from nanduti.api.tokens import create_token
from nanduti.registry.models import Case


@pytest.fixture
def headers(officer):
    _, raw = create_token(officer, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, data, headers):
    return client.post("/api/cases", json.dumps(data), content_type="application/json", **headers)


def test_unknown_fields_are_refused_naming_them_and_the_right_names(client, headers):
    response = post(
        client,
        {
            "case_reference": "API-1",
            "technology_uses": [{"phase": "recruitment", "platform": "tiktok"}],
        },
        headers,
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "case_reference" in detail and "technology_uses" in detail
    assert "«reference»" in detail and "«technologies»" in detail
    assert "campos desconocidos" in detail and "unknown fields" in detail
    assert Case.objects.count() == 0


def test_unknown_field_inside_a_victim_is_refused_with_its_path(client, headers):
    response = post(client, {"victims": [{"sex": "female", "edad": 15}]}, headers)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "victims[1]" and "edad" in error["message_es"]
    assert Case.objects.count() == 0


def test_validation_errors_are_spanish_and_english(client, headers):
    response = post(client, {"year": 1700, "victims": [{"age": "quince"}]}, headers)
    assert response.status_code == 422
    body = response.json()
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["year"]["message_es"] == "debe ser al menos 1900"
    assert by_field["year"]["message_en"] == "must be at least 1900"
    assert by_field["victims[1].age"]["message_es"] == "debe ser un número entero"
    assert "year: debe ser al menos 1900" in body["detail"]
    assert "year: must be at least 1900" in body["detail"]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", "data:text/html,x"]
)
def test_script_links_are_refused(client, headers, url):
    response = post(client, {"source_url": url}, headers)
    assert response.status_code == 422
    assert "source_url" in response.json()["detail"]
    assert Case.objects.count() == 0


def test_web_links_are_kept(client, headers):
    response = post(client, {"source_url": "https://www.abc.com.py/nota"}, headers)
    assert response.status_code == 201
    assert Case.objects.get().source_url == "https://www.abc.com.py/nota"


def test_patch_refuses_script_link(client, headers, officer, institutions):
    case = Case.objects.create(institution=institutions["UFETESI"], reference="UF-1")
    response = client.patch(
        f"/api/cases/{case.pk}",
        json.dumps({"source_url": "javascript:alert(1)"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.source_url == ""


def test_limit_is_honoured_and_bounded(client, headers, institutions):
    for n in range(5):
        Case.objects.create(institution=institutions["UFETESI"], reference=f"L-{n}")
    body = client.get("/api/cases", {"limit": 2}, **headers).json()
    assert len(body["results"]) == 2 and body["page_size"] == 2 and body["count"] == 5
    too_many = client.get("/api/cases", {"limit": 5000}, **headers)
    assert too_many.status_code == 422
    assert "como máximo 200" in too_many.json()["detail"]


def test_unknown_query_parameter_is_refused(client, headers):
    response = client.get("/api/cases", {"limt": 2}, **headers)
    assert response.status_code == 422
    assert "limt" in response.json()["detail"] and "«limit»" in response.json()["detail"]


def test_not_found_and_no_token_are_bilingual(client, headers):
    missing = client.get("/api/cases/999999", **headers)
    assert missing.status_code == 404 and " / " in missing.json()["detail"]
    anonymous = client.get("/api/cases")
    assert anonymous.status_code == 401 and " / " in anonymous.json()["detail"]
