"""The attack as a tool: it recovers what per-table suppression leaves open, and nothing
of what the cell-key method protects, on data nobody on the project wrote (CTDC) and on
the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nanduti.stats import audit

from .builders import fix_record_keys

# The real CTDC sample, kept in the repository with its source (tests/registry/fixtures).
CTDC = Path(__file__).parents[1] / "registry/fixtures/ctdc_global_2017_sample3000.csv"
CTDC_POOL = [
    "year",
    "sex",
    "age_band_ctdc",
    "nationality",
    "recruiter_relation",
    "exploitation_country",
]
DEMO_POOL = ["year", "institution", "sex", "age_band", "recruiter_relation", "nationality"]


@pytest.fixture
def ctdc(institutions, settings, tmp_path):
    """The real 3,000-row CTDC sample, imported as one institution's victims."""
    from nanduti.registry.importer import import_file

    settings.VAR_DIR = tmp_path / "var"
    report = import_file(CTDC, institution="UFETESI", fmt="ctdc")
    # Every row is stored since CTDC's «ZZ» (unknown country) is read as unknown.
    assert report.stored + report.rejected == 3000 and report.stored > 2400


@pytest.fixture
def demo(db, settings, tmp_path):
    from nanduti import demo

    settings.VAR_DIR = tmp_path / "var"
    demo.ensure_institutions()
    demo.load_demo_cases(2000, 7)
    fix_record_keys()


def test_fifty_random_tables_are_exactly_the_tables_asked_for():
    tables = audit.random_tables(CTDC_POOL, 50, "victims", seed=3)
    assert len(tables) == 50 and len({tuple(t) for t in tables}) == 50
    assert {len(t) for t in tables} == {2, 3, 4}


@pytest.mark.slow
def test_ctdc_suppression_is_recovered_cell_key_is_not(ctdc):
    # The finding: year × relation × sex with year × relation, both suppressed
    # table by table, gives hidden cells back.
    queries = [["year", "recruiter_relation", "sex"], ["year", "recruiter_relation"]]
    suppressed = audit.audit_queries(queries, "victims", "suppress")
    assert suppressed.protected > 0 and len(suppressed.exact) > 0
    assert all(r.true == r.low == r.high for r in suppressed.exact)
    perturbed = audit.audit_queries(queries, "victims", "cellkey")
    assert perturbed.protected > 0 and perturbed.exact == []
    # 50 random overlapping tables of 2–4 fields an analyst can obtain.
    tables = audit.random_tables(CTDC_POOL, 50, "victims", seed=1)
    report = audit.audit_queries(tables, "victims", "cellkey")
    assert report.tables == 50 and report.protected > 500
    assert report.exact == [], report.as_dict()["recovered"][:5]


@pytest.mark.slow
def test_demo_fifty_random_tables_recover_nothing(demo, capsys):
    tables = audit.random_tables(DEMO_POOL, 50, "victims", seed=2)
    report = audit.audit_queries(tables, "victims", "cellkey")
    assert report.tables == 50 and report.protected > 500 and report.exact == []
    # Cases by case-level and multi-valued fields (a case has several platforms).
    pool = ["year", "department", "institution", "platform", "exploitation"]
    report = audit.audit_queries(audit.random_tables(pool, 20, "cases", seed=2), "cases")
    assert report.protected > 100 and report.exact == []
    # The command reports the same and fails when something is recovered.
    call_command(
        "stats", "audit", "--tables", "year,sex;year,recruiter_relation,sex", "--count", "victims"
    )
    assert "recuperadas exactamente / recovered exactly 0" in capsys.readouterr().out
    with pytest.raises(CommandError, match="recovered"):
        call_command(
            "stats",
            "audit",
            "--tables",
            "year,recruiter_relation,sex;year,recruiter_relation;age_band,recruiter_relation,sex",
            "--count",
            "victims",
            "--privacy",
            "suppress",
        )


@pytest.mark.slow
def test_demo_publications_are_approved_protected_and_lose_little(demo):
    """The bars of issue 11 on the demo: the public page's tables and the study's Tables 4–8
    are approved with nothing recovered, no total of 50 or more hidden, and at most a third
    of what the hypercube method hides (even counting every "<5" cell as lost)."""
    from nanduti.stats import crosstab, disclosure, publication
    from nanduti.stats.models import Publication

    demo_page = publication.publish_demo_panels()
    assert demo_page.status == Publication.APPROVED
    assert demo_page.audit["exact_recoveries"] == 0 and demo_page.audit["protected"] > 0
    # The command attacks what the publication shows, margins included: nothing recovered.
    call_command("stats", "audit", "--publication", str(demo_page.pk))
    with pytest.raises(CommandError, match="no approved publication"):
        call_command("stats", "audit", "--publication", str(demo_page.pk + 1))
    study = [
        ("sex,year", "victims", ["institution=mp_ufetesi"]),
        ("department,year", "cases", ["institution=mp_ufetesi"]),
        ("year", "cases", ["institution=police_antitrata"]),
        ("sex,year", "victims", ["institution=minna"]),
        ("exploitation,sex,year", "cases", ["institution=minna"]),
    ]
    keyed = [crosstab.run(by, unit, f, keyed=True) for by, unit, f in study]
    done = publication.protect(keyed)
    assert done.audit.exact == [] and done.audit.protected > 20
    tables = [t for t, _, _ in keyed]
    for t, hidden in zip(tables, done.hidden, strict=True):
        assert not [k for k in hidden if crosstab.TOTAL in k and t.value(k) >= 50]
    hyper = [disclosure.suppress(t, 5).suppressed for t in tables]
    assert done.hidden_share() + done.small_share() <= publication.hidden_share(tables, hyper) / 3
