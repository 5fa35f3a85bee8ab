"""Curated publications: protected together, audited, approved by a steward, frozen; the
public page reads only them."""

from __future__ import annotations

import re

import pytest

from nanduti.registry.models import Role
from nanduti.stats import charts, crosstab, disclosure, publication
from nanduti.stats.crosstab import TOTAL
from nanduti.stats.models import Publication

from .builders import fix_record_keys, make_cases


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
    fix_record_keys()


@pytest.fixture
def steward(make_user, institutions):
    return make_user("responsable", Role.STEWARD, institutions["UFETESI"])


def test_tables_perturbed_together_hide_no_big_figure_and_resist_the_attack(registry):
    keyed = [crosstab.run(by, keyed=True) for by in ("year", "year,department", "department")]
    done = publication.protect(keyed)
    assert done.audit.exact == [] and done.audit.protected > 0
    year, year_department, _ = done.tables
    # The small years are shown as "<5", never exactly; 2023 (184) and the total are shown,
    # within the published ±5.
    assert done.shown(0, (2019,)) in ("<5", 0) and done.shown(0, (2020,)) in ("<5", 0)
    assert abs(year.value((2023,)) - 184) <= 5
    assert abs(year.value((TOTAL,)) - 253) <= 5
    # The same cell has the same figure in every table: the year margins agree.
    for y in (2019, 2020, 2021, 2022, 2023):
        assert done.shown(0, (y,)) == done.shown(1, (y, TOTAL))
    # … and the same as an analyst's ad-hoc table of the same cells.
    from nanduti.stats import publish

    adhoc = publish.produce("year", privacy="cellkey", operator=True)
    assert all(adhoc.shown((y,)) == done.shown(0, (y,)) for y in (2019, 2021, 2022, 2023))
    for t, hidden in zip(done.exact, done.hidden, strict=True):
        assert not [k for k in hidden if TOTAL in k and t.value(k) >= 50]
    # Far less is hidden than table-by-table hypercube suppression hides.
    tables = [t for t, _, _ in keyed]
    hyper = [disclosure.suppress(t, 5).suppressed for t in tables]
    assert done.hidden_share() <= publication.hidden_share(tables, hyper) / 3


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
    figures = {tuple(k): v for k, v in draft.frozen[0]["figures"]}
    assert abs(figures[(2023,)] - 184) <= 5
    assert not [v for v in figures.values() if isinstance(v, int) and 0 < v < 5]
    client.logout()

    def cells_of(html: str) -> list[str]:
        return re.findall(r"<td class=\"[^\"]*\">([^<]*)</td>", html)

    before = cells_of(client.get("/estadisticas/publico/").content.decode())
    # Frozen: later cases do not change what the public sees.
    from nanduti.registry.models import Institution

    make_cases(Institution.objects.get(code="UFETESI"), [{"year": 2019}] * 30)
    html = client.get("/estadisticas/publico/").content.decode()
    cells = cells_of(html)
    assert cells == before
    assert "Boletín 2024" in html and "Casos por año" in html
    assert str(figures[(2023,)]) in cells and "&lt;5" in cells
    assert not [c for c in cells if c.isdigit() and 0 < int(c) < 5]
    csv = client.get("/estadisticas/publico/descargar.csv?table=0").content.decode()
    assert f"2023,2023,{figures[(2023,)]},false" in csv and ",<5," in csv


def test_a_hidden_point_is_a_gap_in_the_line():
    svg = charts.line_chart_svg([2019, 2020, 2021, 2022], {"casos": [5, "—", 7, 9]})
    assert svg.count("<polyline") == 1  # 2019 stands alone; 2021–2022 is one segment
    svg = charts.line_chart_svg([2019, 2020, 2021, 2022], {"casos": [5, 6, "—", 9]})
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3
