"""The materialised summary answers exactly as the live count; a stale one is said to be stale
and rebuilt outside the request."""

import random
import threading

import pytest

from nanduti.registry.models import Victim
from nanduti.stats import crosstab, rebuild, summary
from nanduti.stats.models import SummaryCell, SummaryState

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
    summary.refresh()
    for by in COMBOS + (CASE_ONLY_COMBOS if unit == "cases" else []):
        for filters, scope in (
            ([], None),
            (["year=2022"], None),
            ([], {"institution_id": institutions["MINNA"].pk}),
        ):
            settings.NANDUTI_STATS_AUTO_REFRESH = False
            live = crosstab.run(by, unit=unit, filters=filters, scope=scope)
            settings.NANDUTI_STATS_AUTO_REFRESH = True
            fast = crosstab.run(by, unit=unit, filters=filters, scope=scope)
            assert fast.version.get("summary") and not live.version.get("summary")
            assert fast.cells == live.cells, (by, filters)
            assert fast.margins == live.margins, (by, filters)


@pytest.mark.parametrize("unit", ["cases", "victims"])
def test_summary_gives_the_live_cell_keys(random_cases, settings, unit, institutions):
    """Cell-key tables from the summary: the same counts and record-key sums (mod 2³¹) as
    the live count, so the same perturbed figures whichever path answers."""
    from nanduti.registry.fields import RECORD_KEY_RANGE
    from nanduti.stats import publish

    summary.refresh()

    def reduced(found):
        return {k: (n, key % RECORD_KEY_RANGE) for k, (n, key) in found.items()}

    for by in COMBOS + (CASE_ONLY_COMBOS if unit == "cases" else []):
        for filters, scope in (([], None), (["year=2022"], {"institution_id": 1})):
            scope = scope and {"institution_id": institutions["MINNA"].pk}
            settings.NANDUTI_STATS_AUTO_REFRESH = False
            live = crosstab.run(by, unit, filters, scope, keyed=True)
            settings.NANDUTI_STATS_AUTO_REFRESH = True
            fast = crosstab.run(by, unit, filters, scope, keyed=True)
            assert fast[0].version.get("summary") and not live[0].version.get("summary")
            assert reduced(fast[1]) == reduced(live[1]), (by, filters)
            assert reduced(fast[2]) == reduced(live[2]), (by, filters)
    shown = publish.produce("year,sex" if unit == "victims" else "year,platform", unit)
    settings.NANDUTI_STATS_AUTO_REFRESH = False
    again = publish.produce("year,sex" if unit == "victims" else "year,platform", unit)
    assert shown.mode == "cellkey" and shown.table.version.get("summary")
    assert shown.table.cells == again.table.cells and shown.table.margins == again.table.margins


def test_stale_summary_is_served_marked_and_never_rebuilt_in_the_request(random_cases, settings):
    summary.refresh()
    before = crosstab.run("sex", unit="victims")
    Victim.objects.create(case=Victim.objects.first().case, reference="nuevo", sex="other")
    settings.NANDUTI_STATS_LIVE_MAX_CASES = 0  # as in a registry too big to count live
    stale = crosstab.run("sex", unit="victims")
    assert stale.version["stale"] and stale.version["summary_built_at"]
    assert stale.total == before.total and stale.value(("other",)) == 0
    assert SummaryState.objects.get().version["victims"] == before.version["victims"]
    # A small registry is counted live (exact) while its summary is stale.
    settings.NANDUTI_STATS_LIVE_MAX_CASES = 20_000
    live = crosstab.run("sex", unit="victims")
    assert not live.version.get("summary") and live.total == before.total + 1


@pytest.mark.django_db(transaction=True)
def test_background_rebuild_brings_the_summary_up_to_date(random_cases, settings):
    settings.NANDUTI_SUMMARY_REBUILD = "thread"
    settings.NANDUTI_STATS_LIVE_MAX_CASES = 0
    rebuild.rebuild_summaries()
    before = crosstab.run("sex", unit="victims")
    Victim.objects.create(case=Victim.objects.first().case, reference="nuevo", sex="other")
    worker = rebuild.request_summary_rebuild()
    worker.join(timeout=60)
    after = crosstab.run("sex", unit="victims")
    assert after.version.get("summary") and not after.version.get("stale")
    assert after.total == before.total + 1 and after.value(("other",)) == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_rebuilds_never_double_count(random_cases):
    """Three rebuilds at once end with one summary, on both backends (the SQLite test
    database is a file, so its writers wait for each other)."""
    from django.db import connection

    expected = summary.refresh().rows
    failures = []

    def refresh():
        try:
            summary.refresh()
        except Exception as error:  # reported below: every rebuild must succeed
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures
    assert SummaryCell.objects.count() == expected
    assert SummaryState.objects.count() == 1
    assert crosstab.run("sex", unit="victims").total == Victim.objects.count()


def test_summary_not_used_for_what_it_cannot_answer(random_cases):
    t = crosstab.run("year", unit="cases", filters=["sex=female"])
    assert not t.version.get("summary")
    # Two families at once (victims × technology) need their joint distribution: live.
    assert not crosstab.run("sex,platform", unit="cases").version.get("summary")
    assert not crosstab.run("platform", unit="victims").version.get("summary")
