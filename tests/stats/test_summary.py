"""The materialised summary answers exactly as the live count, and is never stale."""

import random

import pytest

from nanduti.registry.models import Victim
from nanduti.stats import crosstab
from nanduti.stats.models import SummaryState

from .builders import make_cases

COMBOS = [
    "year",
    "sex",
    "year,sex",
    "department,age_band",
    "sex,age_band",
    "year,department,sex",
    "institution,synthetic",
    "age_band,source",
]
CASE_ONLY_COMBOS = [
    "platform",
    "year,platform",
    "technology,department",
    "platform,technology",
    "exploitation,year",
    "exploitation",
]
PLATFORMS = [
    ("whatsapp", "messaging"),
    ("facebook", "social_media"),
    ("tiktok", "social_media"),
    ("", ""),
]


@pytest.fixture
def random_cases(institutions):
    rng = random.Random(3)
    for inst in institutions.values():
        specs = []
        for _ in range(150):
            victims = [
                {
                    "sex": rng.choice(["female", "male", "", "unknown"]),
                    "age_band": rng.choice(["12_14", "15_17", "18_24", ""]),
                }
                for _ in range(rng.choice([0, 1, 1, 2, 3]))
            ]
            specs.append(
                {
                    "year": rng.choice([2021, 2022, None]),
                    "department": rng.choice(["central", "itapua", ""]),
                    "synthetic": rng.random() < 0.3,
                    "victims": victims,
                    "platforms": [
                        (*rng.choice(PLATFORMS), "recruitment")
                        for _ in range(rng.choice([0, 1, 2, 3]))
                    ],
                    "exploitation": rng.sample(
                        ["sexual", "labour", "esnna", ""], rng.choice([0, 1, 2])
                    ),
                }
            )
        make_cases(inst, specs)


@pytest.mark.parametrize("unit", ["cases", "victims"])
def test_summary_equals_live_count(random_cases, settings, unit, institutions):
    for by in COMBOS + (CASE_ONLY_COMBOS if unit == "cases" else []):
        for filters, scope in (
            ([], None),
            (["year=2022"], None),
            ([], {"institution_id": institutions["MINNA"].pk}),
        ):
            settings.NANDUTI_STATS_AUTO_REFRESH = False
            SummaryState.objects.all().delete()
            live = crosstab.run(by, unit=unit, filters=filters, scope=scope)
            settings.NANDUTI_STATS_AUTO_REFRESH = True
            fast = crosstab.run(by, unit=unit, filters=filters, scope=scope)
            assert fast.version.get("summary") and not live.version.get("summary")
            assert fast.cells == live.cells, (by, filters)
            assert fast.margins == live.margins, (by, filters)


def test_summary_is_rebuilt_when_the_registry_changes(random_cases):
    before = crosstab.run("sex", unit="victims")
    case = Victim.objects.first().case
    Victim.objects.create(case=case, reference="nuevo", sex="other")
    after = crosstab.run("sex", unit="victims")
    assert after.version.get("summary")
    assert after.total == before.total + 1 and after.value(("other",)) == 1


def test_summary_not_used_for_what_it_cannot_answer(random_cases):
    t = crosstab.run("year", unit="cases", filters=["sex=female"])
    assert not t.version.get("summary")
    # Two families at once (victims × technology) need their joint distribution: live.
    assert not crosstab.run("sex,platform", unit="cases").version.get("summary")
    assert not crosstab.run("platform", unit="victims").version.get("summary")
