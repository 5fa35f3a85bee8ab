"""Curated publications: protected together, audited, approved by a steward, frozen; the
public page reads only them."""

from __future__ import annotations

import re

import pytest

from nanduti.registry.models import Role
from nanduti.stats import charts, crosstab, disclosure, publication
from nanduti.stats.crosstab import TOTAL
from nanduti.stats.models import Publication

from .builders import make_cases


@pytest.fixture
def registry(institutions):
    # 184 cases in 2023 and two years of 1 case: the "Casos por año".
    specs = [
        {"year": 2023, "department": ["central", "itapua"][i % 2], "victims": [{"sex": "female"}]}
        for i in range(184)
    ]
    specs += [{"year": 2019, "department": "central", "victims": [{"sex": "male"}]}]
    specs += [{"year": 2020, "department": "central", "victims": [{"sex": "female"}]}]
    specs += [
        {"year": 2021, "department": "central", "victims": [{"sex": "female"}]} for _ in range(7)
    ]
    specs += [
        {"year": 2022, "department": "itapua", "victims": [{"sex": "male"}]} for _ in range(60)
    ]
    make_cases(institutions["UFETESI"], specs)


@pytest.fixture
def steward(make_user, institutions):
    return make_user("responsable", Role.STEWARD, institutions["UFETESI"])


def test_tables_protected_together_hide_no_big_figure_and_resist_the_attack(registry):
    tables = [crosstab.run("year"), crosstab.run("year,department"), crosstab.run("department")]
    joint = publication.protect(tables)
    assert joint.audit.exact == [] and joint.audit.protected > 0
    year, year_department, _ = joint.hidden
    # The small years are hidden; 2023 (184) and the total never are.
    assert (2019,) in year and (2020,) in year
    assert (2023,) not in year and (TOTAL,) not in year
    # A cell shared by two tables gets one decision: the year margins agree.
    for y in (2019, 2020, 2021, 2022, 2023):
        assert ((y,) in year) == ((y, TOTAL) in year_department)
    for t, hidden in zip(tables, joint.hidden, strict=True):
        assert not [k for k in hidden if TOTAL in k and t.value(k) >= 50]
    # Less is hidden than table-by-table hypercube suppression hides.
    hyper = [disclosure.suppress(t, 5).suppressed for t in tables]
    assert joint.hidden_share() <= publication.hidden_share(tables, hyper)


def test_analyst_drafts_steward_approves_public_sees_only_the_frozen_tables(
    client, analyst, steward, registry
):
    assert "no hay publicaciones aprobadas" in client.get("/estadisticas/publico/").content.decode()
    client.force_login(analyst)
    response = client.post(
        "/estadisticas/publicaciones/",
        {"action": "draft", "title": "Boletín 2024", "tables": "cases: year # Casos por año"},
    )
    assert response.status_code == 200 and "Borrador guardado" in response.content.decode()
    draft = Publication.objects.get()
    # An analyst cannot approve.
    client.post("/estadisticas/publicaciones/", {"action": "approve", "id": draft.pk})
    draft.refresh_from_db()
    assert draft.status == "draft"
    client.force_login(steward)
    response = client.post("/estadisticas/publicaciones/", {"action": "approve", "id": draft.pk})
    assert "Aprobada: Boletín 2024" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.audit["exact_recoveries"] == 0
    # Frozen: later cases do not change what the public sees.
    from nanduti.registry.models import Institution

    make_cases(Institution.objects.get(code="UFETESI"), [{"year": 2019}] * 30)
    client.logout()
    html = client.get("/estadisticas/publico/").content.decode()
    assert "Boletín 2024" in html and "Casos por año" in html
    cells = re.findall(r"<td class=\"[^\"]*\">([^<]*)</td>", html)
    assert "184" in cells and "—" in cells and "31" not in cells
    csv = client.get("/estadisticas/publico/descargar.csv?table=0").content.decode()
    assert "2023,2023,184,false" in csv and "2019,2019,,true" in csv


def test_a_hidden_point_is_a_gap_in_the_line():
    svg = charts.line_chart_svg([2019, 2020, 2021, 2022], {"casos": [5, "—", 7, 9]})
    assert svg.count("<polyline") == 1  # 2019 stands alone; 2021–2022 is one segment
    svg = charts.line_chart_svg([2019, 2020, 2021, 2022], {"casos": [5, 6, "—", 9]})
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3
