"""Cross-tabs count what a user would count by hand."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nanduti.stats import crosstab, publish
from nanduti.stats.crosstab import TOTAL
from nanduti.stats.fields import FieldError

from .builders import make_cases

WA = ("whatsapp", "messaging", "recruitment")
FB = ("facebook", "social_media", "recruitment")


@pytest.fixture
def sample(institutions):
    ufe = institutions["UFETESI"]
    minna = institutions["MINNA"]
    make_cases(
        ufe,
        [
            {
                "year": 2022,
                "department": "central",
                "platforms": [WA, FB],
                "victims": [{"sex": "female", "age_band": "15_17"}],
                "perpetrators": 2,
            },
            {
                "year": 2022,
                "department": "central",
                "platforms": [WA],
                "victims": [
                    {"sex": "female", "age_band": "12_14"},
                    {"sex": "male", "age_band": "12_14"},
                ],
            },
            {
                "year": 2023,
                "department": "alto_parana",
                "platforms": [FB],
                "victims": [{"sex": "male", "age_band": "18_24"}],
            },
            {"year": 2023, "department": "", "victims": []},
        ],
    )
    make_cases(
        minna,
        [
            {
                "year": 2023,
                "department": "asuncion",
                "victims": [{"sex": "female", "age_band": "15_17"}],
            }
        ],
    )


def test_cases_by_year(sample):
    t = crosstab.run("year")
    assert t.cells == {(2022,): 2, (2023,): 3}
    assert t.total == 5 and t.additive


def test_victims_by_year_and_sex(sample):
    t = crosstab.run("year,sex", unit="victims")
    assert t.value((2022, "female")) == 2
    assert t.value((2022, "male")) == 1
    assert t.value((2023, "female")) == 1
    assert t.value((TOTAL, "male")) == 2
    assert t.value((2022, TOTAL)) == 3
    assert t.total == 5


def test_multi_valued_platform_counts_once_per_value_and_once_in_total(sample):
    t = crosstab.run("platform", unit="cases")
    assert t.value(("whatsapp",)) == 2
    assert t.value(("facebook",)) == 2
    assert t.value(("",)) == 2  # cases with no technology recorded
    assert t.total == 5  # the case with both platforms counts once in the total
    assert t.multi_valued == ["platform"]
    result = publish.produce("platform", privacy="none", operator=True)
    assert "varios valores" in result.notes[0] and "multi-valued" in result.notes[0]


def test_multi_valued_margins_are_distinct_counts(sample):
    t = crosstab.run("year,platform", unit="cases")
    assert t.value((2022, "whatsapp")) == 2
    assert t.value((2022, "facebook")) == 1
    assert t.value((2022, TOTAL)) == 2  # not 3


def test_filters_choose_units_not_rows(sample):
    t = crosstab.run("platform", unit="cases", filters=["platform=WhatsApp"])
    # Cases in which WhatsApp was used, split by every platform they used.
    assert t.value(("whatsapp",)) == 2 and t.value(("facebook",)) == 1 and t.total == 2
    t = crosstab.run("sex", unit="victims", filters=["department=Central", "year=2022"])
    assert t.cells == {("female",): 2, ("male",): 1}


def test_perpetrators_and_scope(sample, institutions):
    t = crosstab.run("year", unit="perpetrators")
    assert t.cells == {(2022,): 2}
    own = crosstab.run("year", scope={"institution_id": institutions["MINNA"].pk})
    assert own.cells == {(2023,): 1}


def test_unknown_field_and_value_are_explained(sample):
    with pytest.raises(FieldError) as err:
        crosstab.run("yeer")
    assert "year" in str(err.value) and "valid fields" in str(err.value)
    with pytest.raises(FieldError) as err:
        crosstab.run("sex", filters=["department=Atlantis"])
    assert "Atlantis" in str(err.value) and "alto_parana" in str(err.value)


def test_empty_result_says_so(sample):
    result = publish.produce("sex", filters=["year=1999"], privacy="none", operator=True)
    assert result.table.empty
    assert any("vacío" in n and "empty" in n for n in result.notes)


def test_exact_counts_only_for_allowed_roles(sample, officer, analyst, institutions):
    with pytest.raises(publish.PermissionDenied):
        publish.produce("year", privacy="none", user=officer)
    own = publish.produce(
        "year",
        privacy="none",
        user=officer,
        scope={"institution_id": institutions["UFETESI"].pk},
        scope_label="UFETESI",
    )
    assert own.table.total == 4
    # Analysts tabulate every institution's cases, so they get perturbed counts by default.
    with pytest.raises(publish.PermissionDenied):
        publish.produce("year", privacy="none", user=analyst)
    assert publish.produce("year", user=analyst).mode == "cellkey"
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(publish.PermissionDenied):
        publish.produce("year", privacy="none", user=AnonymousUser())


def test_cli_takes_spanish_field_names_beside_the_codes(sample, capsys):
    call_command("stats", "--by", "año,sexo", "--count", "victims", "--privacy", "none")
    spanish = capsys.readouterr().out
    call_command("stats", "--by", "year,sex", "--count", "victims", "--privacy", "none")
    assert spanish == capsys.readouterr().out
    call_command("stats", "--by", "plataforma", "--filter", "anio=2022", "--privacy", "none")
    assert "platform" in capsys.readouterr().out
    with pytest.raises(CommandError, match="plataforma \\(platform\\)"):
        call_command("stats", "--by", "plataformas", "--privacy", "none")


def test_cli_csv_json_and_list_fields(sample, tmp_path, capsys):
    call_command("stats", "--by", "year,sex", "--count", "victims", "--privacy", "none")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    found = {(r["year"], r["sex"]): r["count"] for r in rows}
    assert found[("2022", "female")] == "2" and found[("total", "total")] == "5"
    out = tmp_path / "t.json"
    call_command("stats", "--by", "sex", "--privacy", "suppress", "--format", "json", "-o", out)
    payload = json.loads(out.read_text())
    assert payload["privacy"]["mode"] == "suppress" and payload["privacy"]["threshold"] == 5
    assert all(r["count"] is None for r in payload["rows"] if r["suppressed"])
    assert payload["data_version"]["cases"] == 5
    xlsx = tmp_path / "t.xlsx"
    call_command("stats", "--by", "year", "--privacy", "none", "--format", "xlsx", "-o", xlsx)
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx)["tabla"]
    assert [c.value for c in sheet[1]][:2] == ["year", "year_label"]
    call_command("stats", "--list-fields")
    listing = capsys.readouterr().out
    for name in ("platform", "age_band_ctdc", "exploitation_country", "synthetic"):
        assert f"\n{name}:" in "\n" + listing
    assert "whatsapp: WhatsApp / WhatsApp" in listing
    with pytest.raises(CommandError, match="unknown field"):
        call_command("stats", "--by", "colour")
