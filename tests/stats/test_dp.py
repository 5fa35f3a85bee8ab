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
    assert dp.spent() == pytest.approx(1.0)
    # The same question over the same data returns the stored answer and spends nothing.
    again = publish.produce("year", privacy="dp", epsilon=1.0, user=analyst)
    assert again.table.cells == result.table.cells and dp.spent() == pytest.approx(1.0)


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
