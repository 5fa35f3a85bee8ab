"""Stored XSS through a case link, and the content security policy (issue 15, F3); an
unknown download format (F9)."""

import json

import pytest

from nanduti.api.tokens import create_token
from nanduti.registry.models import Case


def csp(response) -> dict:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize(
    "path",
    ["/", "/cuenta/entrar/", "/estadisticas/publico/", "/api/docs", "/estadisticas/informe/"],
)
def test_every_page_carries_a_policy_without_inline_script(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = csp(response)
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    assert "javascript:" not in html


def test_api_answers_carry_the_policy_too(client, db):
    assert "script-src" in client.get("/api/vocabularies")["Content-Security-Policy"]


def test_script_link_sent_to_the_api_never_becomes_a_link(client, officer):
    _, raw = create_token(officer, "t")
    response = client.post(
        "/api/cases",
        json.dumps({"source_url": "javascript:alert(1)"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_script_link_stored_before_the_check_is_shown_as_text(client, officer, institutions):
    # A row written before links were validated (or straight into the database).
    case = Case.objects.create(
        institution=institutions["UFETESI"], reference="OLD-1", source_url="javascript:alert(1)"
    )
    client.force_login(officer)
    html = client.get(f"/casos/{case.pk}/").content.decode()
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in html  # still visible, as text


def test_web_link_is_a_link(client, officer, institutions):
    case = Case.objects.create(
        institution=institutions["UFETESI"], reference="OK-1", source_url="https://abc.com.py/x"
    )
    client.force_login(officer)
    assert 'href="https://abc.com.py/x"' in client.get(f"/casos/{case.pk}/").content.decode()


def test_model_validation_refuses_script_links(institutions):
    from django.core.exceptions import ValidationError

    case = Case(institution=institutions["UFETESI"], reference="M-1", source_url="javascript:x")
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert "source_url" in error.value.message_dict


@pytest.mark.parametrize("fmt", ["exe", "pdf", "csv%00"])
def test_unknown_download_format_is_a_clear_404(client, analyst, fmt):
    client.force_login(analyst)
    for url in (f"/estadisticas/descargar.{fmt}", f"/estadisticas/publico/descargar.{fmt}"):
        response = client.get(url, {"rows": "year"})
        assert response.status_code == 404, url
        body = response.content.decode()
        assert "Formato desconocido" in body and "unknown format" in body
