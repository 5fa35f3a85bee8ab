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


def _differencing_attack(tables):
    """A stricter intruder than the LP attack, to exercise the choice of secondary cells:
    every «<5» figure counts as pinned; a hidden figure is pinned when one of its lines
    (the figures differing from it in one field, its margin included) is all shown."""

    from nanduti.stats.audit import AuditReport, Recovery

    report = AuditReport(tables=len(tables))
    for t in tables:
        axes = [sorted({k[i] for k in t.shown}, key=str) for i in range(len(t.fields))]
        for key, value in t.shown.items():
            pinned = value == "<5"
            if value == disclosure.MARK:
                for d in range(len(key)):
                    line = [key[:d] + (v,) + key[d + 1 :] for v in axes[d] if v != key[d]]
                    if all(t.shown.get(k) != disclosure.MARK for k in line):
                        pinned = True
            if pinned:
                cell = {f.name: v for f, v in zip(t.fields, key, strict=True) if v != TOTAL}
                report.exact.append(Recovery(t.label, cell, 0, 0, 0))
    report.protected = len(report.exact)
    return report


@pytest.fixture
def small_cells(institutions):
    # Year × department with several cells of 1–4 sharing lines (2021 and 2022 in two
    # departments each), beside large ones.
    specs = []
    for year, department, n in [
        (2020, "central", 40),
        (2020, "itapua", 30),
        (2020, "alto_parana", 25),
        (2021, "central", 2),
        (2021, "itapua", 3),
        (2021, "alto_parana", 20),
        (2022, "central", 3),
        (2022, "itapua", 2),
        (2022, "alto_parana", 35),
    ]:
        specs += [{"year": year, "department": department}] * n
    make_cases(institutions["UFETESI"], specs)
    fix_record_keys()


def test_secondary_cells_chosen_by_integer_program_hide_less(small_cells, monkeypatch):
    """When the attack pins a hidden figure, which shown figures to hide is chosen for all
    of them at once by an integer program (HiGHS through scipy.optimize.milp) minimising
    the hidden total; the attack is re-run until it recovers nothing; no big total hidden."""
    monkeypatch.setattr(publication.audit, "audit", _differencing_attack)
    keyed = [crosstab.run(by, keyed=True) for by in ("year,department", "year", "department")]
    tables = [t for t, _, _ in keyed]
    by_rule = publication.protect(keyed, secondary="rule")
    by_milp = publication.protect(keyed, secondary="milp")
    for done in (by_rule, by_milp):
        assert done.audit.exact == []  # the check: the attack recovers nothing
        for t, hidden in zip(tables, done.hidden, strict=True):
            assert not [k for k in hidden if TOTAL in k and t.value(k) >= 50]
    assert by_milp.milp_rounds >= 1 and by_milp.rule_rounds == 0
    assert by_rule.rule_rounds >= 1 and by_rule.milp_rounds == 0
    # The rule hides the smallest shown neighbour of each pinned figure, one at a time, and
    # ends up hiding large cells; the joint choice closes the small cells in a rectangle.
    assert by_milp.hidden_share() < by_rule.hidden_share()
    hyper = [disclosure.suppress(t, 5).suppressed for t in tables]
    assert by_milp.hidden_share() <= publication.hidden_share(tables, hyper)


def test_secondary_choice_falls_back_to_the_rule_when_the_solver_fails(small_cells, monkeypatch):
    import scipy.optimize

    class Failed:
        status, x = 1, None

    monkeypatch.setattr(publication.audit, "audit", _differencing_attack)
    monkeypatch.setattr(scipy.optimize, "milp", lambda *a, **k: Failed())
    keyed = [crosstab.run(by, keyed=True) for by in ("year,department", "year", "department")]
    done = publication.protect(keyed)
    assert done.audit.exact == [] and done.rule_rounds >= 1 and done.milp_rounds == 0
