"""Differentially private releases: noisy, recorded in the ledger, refused past the budget."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nanduti.stats import crosstab, dp, publish
from nanduti.stats.models import PrivacyRelease

from .builders import make_cases


@pytest.fixture
def many(institutions):
    specs = [
        {
            "year": 2020 + i % 4,
            "department": "central",
            "victims": [{"sex": "female" if i % 3 else "male", "age_band": "15_17"}],
        }
        for i in range(400)
    ]
    make_cases(institutions["UFETESI"], specs)


def test_release_is_noisy_recorded_and_close(many, analyst, settings):
    settings.NANDUTI_DP_EPSILON_BUDGET = 5.0
    result = publish.produce("year", privacy="dp", epsilon=1.0, user=analyst, actor="ana")
    release = PrivacyRelease.objects.get()
    assert release.epsilon == pytest.approx(1.0) and release.user == analyst
    assert release.query["by"] == ["year"] and release.sensitivity == 1
    # Every year from the declared domain got noise, not only the years with cases.
    assert release.cells >= 20
    for year in range(2020, 2024):
        assert abs(result.table.value((year,)) - 100) <= 25
    pool = dp.Pool.of(analyst)
    assert dp.spent(pool) == pytest.approx(1.0) and dp.spent() == 0
    # The same question over the same data returns the stored answer and spends nothing.
    again = publish.produce("year", privacy="dp", epsilon=1.0, user=analyst)
    assert again.table.cells == result.table.cells and dp.spent(pool) == pytest.approx(1.0)


def test_budget_is_enforced(many, settings):
    settings.NANDUTI_DP_EPSILON_BUDGET = 1.5
    publish.produce("year", privacy="dp", epsilon=1.0, operator=True)
    with pytest.raises(dp.PrivacyError) as err:
        publish.produce("sex", privacy="dp", epsilon=1.0, operator=True)
    assert "presupuesto" in str(err.value).lower() and "budget" in str(err.value)
    assert PrivacyRelease.objects.count() == 1
    with pytest.raises(CommandError, match="budget exceeded"):
        call_command("stats", "--by", "sex", "--privacy", "dp", "--epsilon", "0.9")


def test_multi_valued_fields_are_clipped_to_the_bound(institutions, settings):
    settings.NANDUTI_DP_EPSILON_BUDGET = 10.0
    five = [
        (p, "social_media", "recruitment")
        for p in ("whatsapp", "facebook", "tiktok", "instagram", "telegram")
    ]
    make_cases(institutions["UFETESI"], [{"year": 2022, "platforms": five}] * 40)
    result = publish.produce("platform", privacy="dp", epsilon=2.0, operator=True)
    assert result.release.sensitivity == 3 and result.release.scale == pytest.approx(1.5)
    # Each case counts in at most 3 of its 5 platforms before noise is added.
    clipped = dp.clipped_counts(crosstab.run("platform"), None, 3)
    assert sum(clipped.values()) == 40 * 3
    assert all(v <= 40 for v in clipped.values())


def test_anonymous_cannot_spend_budget(many):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(publish.PermissionDenied):
        publish.produce("year", privacy="dp", epsilon=1.0, user=AnonymousUser())


def test_one_officer_cannot_exhaust_everyone_s_budget(many, officer, other_officer, analyst):
    """F9: budgets are per institution (set by an administrator), not one registry pool."""
    from nanduti.stats.models import PrivacyBudget

    PrivacyBudget.objects.create(institution=officer.membership.institution, epsilon=2.0)
    for by in ("year", "sex"):
        publish.produce(by, "victims", privacy="dp", epsilon=1.0, user=officer)
    cost = publish.quote("department", "victims", epsilon=1.0, user=officer)
    assert (cost.remaining, cost.cost, cost.affordable) == (0.0, 1.0, False)
    with pytest.raises(dp.PrivacyError, match="UFETESI"):
        publish.produce("department", "victims", privacy="dp", epsilon=1.0, user=officer)
    # A repeated query is free, even with nothing left.
    assert publish.quote("year", "victims", epsilon=1.0, user=officer).cost == 0
    publish.produce("year", "victims", privacy="dp", epsilon=1.0, user=officer)
    # The other institution and an analyst still have their whole (default) budgets.
    other = publish.quote("department", "victims", epsilon=1.0, user=other_officer)
    assert other.remaining == other.budget == 10.0 and other.affordable
    publish.produce("department", "victims", privacy="dp", epsilon=1.0, user=other_officer)
    assert dp.remaining(dp.Pool.of(analyst)) == 10.0


def test_sensitivity_per_unit(many):
    victims_by_sex = crosstab.run("sex", "victims")
    cases_by_sex = crosstab.run("sex", "cases")
    assert dp.sensitivity_of(victims_by_sex) == 1  # a victim has one sex
    assert dp.sensitivity_of(cases_by_sex) == 3  # a case may have several victims


def test_dashboard_shows_the_cost_before_spending(client, officer, many):
    client.force_login(officer)
    html = client.get("/estadisticas/?rows=year&privacy=dp&epsilon=0.5").content.decode()
    assert "confirme el gasto" in html and "ε=0,50" in html and "10,00" in html
    assert PrivacyRelease.objects.count() == 0
    html = client.get("/estadisticas/?rows=year&privacy=dp&epsilon=0.5&confirm=1").content
    assert PrivacyRelease.objects.count() == 1
    ledger = client.get("/estadisticas/privacidad/").content.decode()
    assert "UFETESI" in ledger and "0,50" in ledger and "ε=9,50" in ledger
