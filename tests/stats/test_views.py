"""Pages and downloads: who sees exact counts, and that the public never does."""

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from ninja.testing import TestClient

from nanduti.stats.api import router

from .builders import fix_record_keys, make_cases


@pytest.fixture
def data(institutions):
    specs = []
    for i in range(60):
        specs.append(
            {
                "year": 2021 + i % 3,
                "department": ["central", "alto_parana"][i % 2],
                "victims": [{"sex": "female", "age_band": "15_17"}],
                "platforms": [("whatsapp", "messaging", "recruitment")],
            }
        )
    specs += [
        {"year": 2023, "department": "boqueron", "victims": [{"sex": "male", "age_band": "12_14"}]}
    ] * 2
    make_cases(institutions["UFETESI"], specs)
    make_cases(
        institutions["MINNA"],
        [{"year": 2022, "department": "itapua", "victims": [{"sex": "male", "age_band": "0_11"}]}],
    )
    fix_record_keys()


def cells(html: str) -> list[str]:
    return re.findall(r"<td class=\"[^\"]*\">([^<]*)</td>", html)


def test_dashboard_requires_login(client, data):
    response = client.get("/estadisticas/")
    assert response.status_code == 302 and "/cuenta/entrar/" in response["Location"]


def test_analyst_sees_perturbed_department_table_with_map(client, analyst, data):
    from nanduti.registry.fields import RECORD_KEY_RANGE
    from nanduti.registry.models import Case, Victim

    # Record keys are random; fix Boquerón's so its cell key is 0.5 (a perturbation near 0).
    Case.objects.filter(department="boqueron").update(record_key=RECORD_KEY_RANGE // 4)
    Victim.objects.filter(case__department="boqueron").update(record_key=RECORD_KEY_RANGE // 4)
    client.force_login(analyst)
    html = client.get("/estadisticas/?rows=department&cols=year").content.decode()
    # Boquerón's 2 cases: never shown exactly to someone outside the institution.
    assert 'class="tile-map"' in html and 'data-department="boqueron" data-value="&lt;5"' in html
    assert "Boquerón" in html and ">2<" not in html
    assert "clave de celda" in html and "±5" in html
    assert "Versión de los datos" in html and "63 casos" in html
    html = client.get("/estadisticas/?rows=department&privacy=none").content.decode()
    assert "no está permitido" in html


def test_officer_sees_everyone_only_suppressed(client, officer, data):
    client.force_login(officer)
    html = client.get("/estadisticas/?rows=department&cols=year&privacy=none").content.decode()
    assert "no está permitido" in html and "not allowed" not in html
    html = client.get("/estadisticas/?rows=department&cols=year").content.decode()
    assert "&lt;5" in cells(html) and "perturbación por clave de celda" in html
    # Their own institution: exact.
    html = client.get("/estadisticas/?rows=department&cols=year&scope=own&privacy=none").content
    assert 'data-department="boqueron" data-value="2"' in html.decode()


def test_public_page_never_shows_small_counts(client, data):
    from nanduti.stats.publication import publish_demo_panels

    publish_demo_panels()
    response = client.get("/estadisticas/publico/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = [c for c in cells(html) if c.strip().isdigit()]
    assert shown and all(int(c) == 0 or int(c) >= 5 for c in shown)
    assert "&lt;5" in cells(html)  # Boquerón's 2 cases, the 2 boys of 12–14, …
    # The public reads frozen publications only: a query in the address counts nothing live.
    html = client.get("/estadisticas/publico/?rows=department&privacy=none").content.decode()
    assert all(int(c) == 0 or int(c) >= 5 for c in cells(html) if c.strip().isdigit())
    data = json.loads(client.get("/estadisticas/publico/descargar.json?table=2").content)
    assert data["by"] == ["sex", "age_band"] and data["privacy"]["mode"] == "cellkey"
    counts = [r["count"] for r in data["rows"]]
    assert "<5" in counts and all(c in (None, 0, "<5") or c >= 5 for c in counts)
    assert client.get("/estadisticas/publico/descargar.json?table=99").status_code == 404


def test_downloads_match_the_page(client, officer, data):
    client.force_login(officer)
    response = client.get(
        "/estadisticas/descargar.csv?rows=year&cols=sex&count=victims&scope=own&privacy=none"
    )
    assert response.status_code == 200 and "text/csv" in response["Content-Type"]
    assert "2023,2023,male,Hombre,2,false" in response.content.decode()
    response = client.get("/estadisticas/descargar.xlsx?rows=year")
    assert response.content[:2] == b"PK"
    response = client.get("/estadisticas/descargar.csv?rows=colour")
    assert response.status_code == 400 and "unknown field" in response.content.decode()


def test_report_html_and_pdf(client, data):
    from nanduti.stats.publication import publish_demo_panels

    publish_demo_panels()
    html = client.get("/estadisticas/informe/").content.decode()
    assert "Informe estadístico" in html and 'class="tile-map"' in html
    assert all(int(c) == 0 or int(c) >= 5 for c in cells(html) if c.strip().isdigit())
    pdf = client.get("/estadisticas/informe.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"


def test_api_crosstab(analyst, officer, data):
    api = TestClient(router)
    url = "/crosstab?by=year,sex&count=victims&privacy=none&scope=own"
    body = api.get(url, user=officer).json()
    assert body["privacy"]["mode"] == "none"
    got = {(r["year"], r["sex"]): r["count"] for r in body["rows"]}
    assert got[(2023, "male")] == 2 and got[(2022, "male")] == 0  # not MINNA's case
    assert api.get("/crosstab?by=year&privacy=none", user=analyst).status_code == 403
    body = api.get("/crosstab?by=year,sex&count=victims", user=analyst).json()
    assert body["privacy"]["mode"] == "cellkey"
    got = {(r["year"], r["sex"]): r["count"] for r in body["rows"]}
    assert got[(2023, "male")] in ("<5", 0) and got[(2022, "male")] in ("<5", 0)
    denied = api.get("/crosstab?by=year&privacy=none", user=AnonymousUser())
    assert denied.status_code == 403
    bad = api.get("/crosstab?by=year&filter=sex=zz", user=analyst)
    assert bad.status_code == 400 and "zz" in bad.json()["detail"]


def test_api_mounted_with_token(client, analyst, officer, data):
    from nanduti.api.tokens import create_token

    _, raw = create_token(analyst, "stats")
    response = client.get("/api/stats/crosstab?by=department", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    rows = {r["department"]: r["count"] for r in response.json()["rows"]}
    assert rows["boqueron"] in ("<5", 0) and rows["central"] >= 25
    _, raw = create_token(officer, "stats")
    response = client.get(
        "/api/stats/crosstab?by=department&privacy=none", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 403
    assert client.get("/api/stats/crosstab?by=year").status_code == 401


def test_officer_cannot_loosen_the_protection(client, officer, data):
    client.force_login(officer)
    # Per-table suppression can be differenced across tables: not for other institutions' data.
    html = client.get("/estadisticas/?rows=department&privacy=suppress&threshold=1").content
    assert "no está permitido" in html.decode()
    url = "/estadisticas/?rows=department&privacy=dp&epsilon=50&confirm=1"
    html = client.get(url).content.decode()
    assert "supera el máximo por publicación" in html
