"""Cell-key perturbation: fixed record keys, the same cell gives the same figure in every
table, margins perturbed on their own, no exact 1–4 ever shown."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from nanduti.registry import services
from nanduti.registry.fields import RECORD_KEY_RANGE
from nanduti.registry.models import AuditEvent, Case, Victim
from nanduti.stats import cellkey, publish
from nanduti.stats.crosstab import TOTAL

from .builders import make_cases

SEXES = ["female", "male", "female", "other"]
RELATIONS = ["friend", "family", "partner", "unknown", "employer"]


@pytest.fixture
def registry(institutions):
    specs = [
        {
            "year": 2014 + i % 7,
            "department": ["central", "alto_parana", "itapua", "boqueron"][i % 4],
            "victims": [
                {
                    "sex": SEXES[(i * 7) % 4],
                    "age_band": ["12_14", "15_17", "18_29"][i % 3],
                    "recruiter_relation": RELATIONS[(i * 3) % 5],
                }
            ],
            "platforms": [("whatsapp", "messaging", "recruitment")]
            + ([("facebook", "social_media", "recruitment")] if i % 3 == 0 else []),
        }
        for i in range(400)
    ]
    make_cases(institutions["UFETESI"], specs)


def test_every_record_gets_its_own_fixed_key(registry, institutions):
    keys = list(Case.objects.values_list("record_key", flat=True))
    assert len(set(keys)) == len(keys) == 400
    assert all(0 <= k < RECORD_KEY_RANGE for k in keys)
    victim_keys = set(Victim.objects.values_list("record_key", flat=True))
    assert len(victim_keys) == 400
    case = services.save_case(
        Case(institution=institutions["MINNA"], reference="X-1", year=2020), actor=None
    )
    case.refresh_from_db()
    before = case.record_key
    case.department = "central"
    services.save_case(case, actor=None)
    case.refresh_from_db()
    assert case.record_key == before and before not in keys
    # The key is a secret: it is not in the audit trail.
    assert AuditEvent.objects.filter(case=case).exists()
    assert not any("record_key" in e.changes for e in AuditEvent.objects.all())


def test_ptable_is_unbiased_with_the_published_variance_and_bound():
    table = cellkey.ptable()
    for n, row in table.items():
        assert abs(sum(p for _, p in row) - 1) < 1e-9
        assert abs(sum(d * p for d, p in row)) < 1e-9  # unbiased
        assert all(n + d >= 0 and abs(d) <= cellkey.MAX_PERTURBATION for d, _ in row)
    assert abs(sum(d * d * p for d, p in table[cellkey.MAX_PERTURBATION + 1]) - 1.5) < 1e-6


def test_shipped_ptable_is_the_one_its_parameters_give():
    shipped, computed = cellkey.ptable(), cellkey.compute_ptable()
    assert shipped.keys() == computed.keys()
    for n, row in computed.items():
        assert [d for d, _ in shipped[n]] == [d for d, _ in row]
        assert all(abs(p - q) < 1e-9 for (_, p), (_, q) in zip(shipped[n], row, strict=True))


def test_same_cell_same_figure_in_every_table(registry, analyst):
    two = publish.produce("year,sex", "victims", user=analyst)
    three = publish.produce("year,sex,recruiter_relation", "victims", user=analyst)
    one = publish.produce("year", "victims", user=analyst)
    assert two.mode == three.mode == one.mode == "cellkey"
    for year in range(2014, 2021):
        # (year, sex) appears as a cell of one table and a margin of the other.
        for sex in ("female", "male", "other"):
            assert two.table.value((year, sex)) == three.table.value((year, sex, TOTAL))
        assert one.table.value((year,)) == two.table.value((year, TOTAL))
    # Asking again gives the same answer: nothing to average away.
    again = publish.produce("year,sex", "victims", user=analyst)
    assert again.table.cells == two.table.cells and again.table.margins == two.table.margins


def test_figures_move_at_most_d_and_small_ones_are_never_shown(registry, analyst):
    exact = publish.produce("year,sex,recruiter_relation", "victims", privacy="none", operator=True)
    perturbed = publish.produce("year,sex,recruiter_relation", "victims", user=analyst)
    keys = set(exact.table.cells) | set(exact.table.margins)
    moved = 0
    for key in keys:
        true, value = exact.table.value(key), perturbed.table.value(key)
        assert abs(value - true) <= cellkey.MAX_PERTURBATION
        moved += value != true
        shown = perturbed.shown(key)
        assert shown == "<5" or shown == 0 or shown >= 5
    assert moved > len(keys) / 3  # the noise is real
    assert perturbed.description()["privacy"]["changed"] == moved
    # Margins are perturbed on their own, not summed from perturbed cells.
    sums = [
        sum(perturbed.table.value((y, s, r)) for s in SEXES[:2] + ["other"] for r in RELATIONS)
        for y in range(2014, 2021)
    ]
    margins = [perturbed.table.value((y, TOTAL, TOTAL)) for y in range(2014, 2021)]
    assert sums != margins


def test_multi_valued_cells_count_each_case_once(registry, analyst):
    exact = publish.produce("platform", "cases", privacy="none", operator=True)
    perturbed = publish.produce("platform", "cases", user=analyst)
    assert exact.table.value(("whatsapp",)) == 400 and exact.table.value(("facebook",)) == 134
    for key in (("whatsapp",), ("facebook",), (TOTAL,)):
        assert abs(perturbed.table.value(key) - exact.table.value(key)) <= 5
    # The total and WhatsApp hold the same 400 cases: the same keys, the same figure.
    assert perturbed.table.value(("whatsapp",)) == perturbed.table.value((TOTAL,))


def test_cli_cellkey(registry, capsys):
    call_command("stats", "--by", "year,sex,recruiter_relation", "--count", "victims")
    out = capsys.readouterr().out
    assert out.startswith("year,year_label,sex,sex_label,recruiter_relation,")
    counts = [line.rsplit(",", 2)[1] for line in out.splitlines()[1:]]
    assert "<5" in counts and not {"1", "2", "3", "4"} & set(counts)
