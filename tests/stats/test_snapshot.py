"""The columnar snapshot answers every cross-tab exactly as the live count does — counts,
margins and the record-key sums cell-key perturbation reads — and says when it is stale."""

import random
from itertools import combinations

import pytest

from nanduti.registry.fields import RECORD_KEY_RANGE
from nanduti.registry.models import Victim
from nanduti.stats import crosstab, publish, rebuild, snapshot
from nanduti.stats import fields as F

from .builders import make_cases

# Every field the stats page offers but the CTDC variables (tested on a few below: they are
# all read the same way, from the victim's CTDC record).
PAGE_FIELDS = [f.name for f in F.FIELDS.values() if f.kind != "ctdc"]
CTDC_FIELDS = ["ctdc_gender", "ctdc_isforcedlabour", "ctdc_citizenship"]
PLATFORMS = [
    ("whatsapp", "messaging", "recruitment"),
    ("facebook", "social_media", "exploitation"),
    ("tiktok", "social_media", "recruitment"),
    ("", "", ""),
]


@pytest.fixture
def registry(institutions, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    rng = random.Random(7)
    for inst in list(institutions.values())[:3]:
        specs = []
        for _ in range(60):
            victims = [
                {
                    "sex": rng.choice(["female", "male", ""]),
                    "age_band": rng.choice(["12_14", "18_24", ""]),
                    "nationality": rng.choice(["PY", "AR", ""]),
                    "ctdc": rng.choice(
                        [
                            {},
                            {"gender": "Female", "isForcedLabour": "1", "citizenship": "PY"},
                            {"gender": "Male", "isForcedLabour": "-99"},
                        ]
                    ),
                }
                for _ in range(rng.choice([0, 1, 1, 2]))
            ]
            specs.append(
                {
                    "year": rng.choice([2021, 2022, None]),
                    "department": rng.choice(["central", "itapua", ""]),
                    "district": rng.choice(["asuncion", "encarnacion", ""]),
                    "modality": rng.choice(["job_offer", ""]),
                    "synthetic": rng.random() < 0.3,
                    "victims": victims,
                    "platforms": rng.sample(PLATFORMS, rng.choice([0, 1, 2])),
                    "exploitation": rng.sample(["sexual", "labour", ""], rng.choice([0, 1, 2])),
                    "perpetrators": rng.choice([0, 1, 2]),
                }
            )
        make_cases(inst, specs)


def _reduced(found: dict) -> dict:
    return {k: (n, key % RECORD_KEY_RANGE) for k, (n, key) in found.items()}


def _both(settings, by, unit, filters=(), scope=None):
    settings.NANDUTI_STATS_AUTO_REFRESH = False
    live = crosstab.run(by, unit, list(filters), scope, keyed=True)
    settings.NANDUTI_STATS_AUTO_REFRESH = True
    fast = crosstab.run(by, unit, list(filters), scope, keyed=True)
    return live, fast


def _pairs(names):
    return [",".join(pair) for pair in combinations(names, 2)]


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["cases", "victims"])
def test_every_pair_of_page_fields_equals_the_live_count(registry, settings, unit):
    """Every 2-field table the page can ask for: same cells, margins and key sums."""
    snapshot.build()
    for by in _pairs(PAGE_FIELDS):
        live, fast = _both(settings, by, unit)
        if unit == "cases" or "sex" not in by:  # summary-eligible ones come from the summary
            assert fast[0].version.get("snapshot"), by
        assert not live[0].version.get("snapshot")
        assert _reduced(fast[1]) == _reduced(live[1]), by
        assert _reduced(fast[2]) == _reduced(live[2]), by


@pytest.mark.parametrize("unit", ["cases", "victims", "perpetrators"])
def test_snapshot_equals_live_with_filters_scopes_and_ctdc(registry, settings, unit, institutions):
    snapshot.build()
    scope = {"institution_id": institutions["MINNA"].pk}
    queries = [
        ("district,exploitation", [], None),
        ("district,exploitation", ["platform=whatsapp"], None),
        ("district,platform", ["exploitation=sexual", "exploitation="], scope),
        ("phase,nationality", ["year=2022", "district="], None),
        ("modality,perpetrator_role", ["synthetic=true"], scope),
        ("year,ctdc_gender", [], None),
        ("ctdc_isforcedlabour,ctdc_citizenship", ["department=central"], None),
        ("district,ctdc_isforcedlabour", ["sex=female"], None),
        ("lure,destination_country", [], scope),
    ]
    for by, filters, scope_ in queries:
        live, fast = _both(settings, by, unit, filters, scope_)
        assert fast[0].version.get("snapshot") and not live[0].version.get("snapshot")
        assert live[0].total > 0 or filters, (by, filters)
        assert _reduced(fast[1]) == _reduced(live[1]), (by, filters)
        assert _reduced(fast[2]) == _reduced(live[2]), (by, filters)


def test_cell_key_page_figures_are_the_live_ones(registry, settings):
    """The perturbed table an analyst sees is the same whichever path counted it."""
    snapshot.build()
    settings.NANDUTI_STATS_AUTO_REFRESH = False
    live = publish.produce("district,exploitation", "cases", privacy="cellkey")
    settings.NANDUTI_STATS_AUTO_REFRESH = True
    fast = publish.produce("district,exploitation", "cases", privacy="cellkey")
    assert fast.table.version.get("snapshot") and not live.table.version.get("snapshot")
    assert fast.table.cells == live.table.cells
    assert fast.table.margins == live.table.margins
    assert fast.changed == live.changed


def test_stale_snapshot_is_marked_and_rebuilt_outside_the_request(registry, settings):
    snapshot.build()
    Victim.objects.filter(pk=Victim.objects.order_by("pk").first().pk).update(sex="unknown")
    Victim.objects.create(case=Victim.objects.first().case, reference="99", sex="female")
    settings.NANDUTI_STATS_LIVE_MAX_CASES = 0  # a registry too big to count live
    stale = crosstab.run("district,exploitation", "cases")
    assert stale.version["snapshot"] and stale.version["stale"]
    assert stale.version["summary_built_at"]
    settings.NANDUTI_STATS_LIVE_MAX_CASES = 10**6  # small: counted live meanwhile
    live = crosstab.run("district,exploitation", "cases")
    assert not live.version.get("snapshot") and not live.version.get("stale")
    rebuild.rebuild_summaries()
    fresh = crosstab.run("district,exploitation", "cases")
    assert fresh.version["snapshot"] and not fresh.version.get("stale")
    assert fresh.cells == live.cells and fresh.margins == live.margins


def test_a_new_build_replaces_the_file_and_readers_fall_back(registry, settings):
    first = snapshot.build()
    crosstab.run("district,phase", "victims")
    second = snapshot.build()
    assert second.path != first.path
    assert not __import__("pathlib").Path(first.path).exists()
    assert snapshot.current().path == second.path
    with pytest.raises(snapshot.Unavailable):
        snapshot.lookup(first, F.parse_fields("district,phase"), "victims", [], None)


def test_the_page_says_its_figures_are_from_an_older_snapshot(registry, settings, client, analyst):
    snapshot.build()
    Victim.objects.create(case=Victim.objects.first().case, reference="98", sex="female")
    settings.NANDUTI_STATS_LIVE_MAX_CASES = 0
    client.force_login(analyst)
    page = client.get("/estadisticas/?rows=district&cols=exploitation").content.decode()
    assert "Cifras de la instantánea construida" in page and "clave de celda" in page
    settings.NANDUTI_STATS_LIVE_MAX_CASES = 10**6
    rebuild.rebuild_summaries()
    page = client.get("/estadisticas/?rows=district&cols=exploitation").content.decode()
    assert "los datos cambiaron" not in page
