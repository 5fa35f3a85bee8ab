"""The CTDC data standard: a CTDC file imports to the same counts; export writes CTDC."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Count

from nanduti.registry import ctdc
from nanduti.registry.exporter import export_cases
from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, Exploitation, Victim

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "ctdc_sample.csv"  # 200 rows in the 2021 layout
# 3,000 rows of CTDC's 2017 global data set, drawn at random (see its README): real data
# nobody on the project wrote.
REAL_SAMPLE = FIXTURES / "ctdc_global_2017_sample3000.csv"
MISSING = {"", "-99"}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def expected_counts():
    """Counts straight from the file, with the codings of the CTDC codebook."""
    sex, band, country, types = Counter(), Counter(), Counter(), Counter()
    genders = {"Female": "female", "Male": "male", "Transgender/NonConforming": "other"}
    with open(SAMPLE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["gender"] not in MISSING:
            sex[genders[row["gender"]]] += 1
        if row["ageBroad"] not in MISSING:
            band[row["ageBroad"].replace("--", "-")] += 1
        if row["CountryOfExploitation"] not in MISSING:
            country[row["CountryOfExploitation"]] += 1
        flags = {name for name, value in row.items() if value == "1"}
        if flags & {"isSexualExploit", "isSexAndLabour"}:
            types["sexual"] += 1
        if flags & {"isForcedLabour", "isSexAndLabour"}:
            types["labour"] += 1
        if "isForcedMarriage" in flags:
            types["forced_marriage"] += 1
        if "isOtherExploit" in flags:
            types["other_exploitation"] += 1
        if "typeOfLabourBegging" in flags:
            types["forced_begging"] += 1
    return len(rows), sex, band, country, types


@pytest.mark.django_db
def test_ctdc_file_imports_to_the_counts_of_the_file(institutions):
    total, sex, band, country, types = expected_counts()
    report = import_file(SAMPLE, institution="UFETESI", fmt="ctdc")
    assert report.format == "ctdc"
    # identical rows are distinct victims in CTDC data (k-anonymised), never duplicates
    assert (report.stored, report.rejected) == (total, 0), report.errors[:3]
    assert Case.objects.count() == Victim.objects.count() == total
    by_sex = Counter(
        dict(Victim.objects.exclude(sex="").values_list("sex").annotate(n=Count("id")))
    )
    assert by_sex == sex
    by_band = Counter(
        dict(
            Victim.objects.exclude(age_band_ctdc="")
            .values_list("age_band_ctdc")
            .annotate(n=Count("id"))
        )
    )
    assert by_band == band
    by_country = Counter(
        dict(
            Case.objects.exclude(exploitation_country="")
            .values_list("exploitation_country")
            .annotate(n=Count("id"))
        )
    )
    assert by_country == country
    by_type = Counter(dict(Exploitation.objects.values_list("type").annotate(n=Count("id"))))
    assert by_type == types


@pytest.mark.django_db
def test_ctdc_detected_from_headers_and_reimport_does_not_duplicate(institutions):
    first = import_file(SAMPLE, institution="UFETESI")
    assert first.format == "ctdc"
    again = import_file(SAMPLE, institution="UFETESI")
    assert (again.stored, again.updated, again.unchanged) == (0, 0, first.stored)
    assert Case.objects.count() == first.stored


@pytest.mark.django_db
def test_ctdc_age_band_mapped_to_ours_only_when_unambiguous(institutions):
    import_file(SAMPLE, institution="UFETESI")
    pairs = set(Victim.objects.values_list("age_band_ctdc", "age_band"))
    assert ("0-8", "0_11") in pairs and ("27-29", "25_34") in pairs and ("48+", "35_plus") in pairs
    assert {ours for theirs, ours in pairs if theirs in ("9-17", "24-26", "30-38")} == {""}


def read_rows(path, delimiter=",") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def round_trip(tmp_path, path) -> tuple[object, list[list[str]]]:
    """Imports a CTDC file into an empty registry and exports it: (import report, rows)."""
    report = import_file(path, institution="UFETESI")
    out = tmp_path / "back.csv"
    export_cases(Case.objects.all(), "ctdc", out)
    return report, read_rows(out)


@pytest.mark.django_db
def test_the_real_ctdc_sample_comes_back_exactly_row_by_row_column_by_column(
    tmp_path, institutions
):
    report, back = round_trip(tmp_path, REAL_SAMPLE)
    original = read_rows(REAL_SAMPLE)
    assert (report.stored, report.rejected) == (3000, 0), report.errors[:3]
    assert back[0] == original[0] and len(original[0]) == 58
    assert back == original
    # and what the issue saw lost is stored as it means
    hotline = Victim.objects.filter(ctdc__Datasource="Hotline").count()
    assert hotline == sum(r[1] == "Hotline" for r in original[1:]) > 0
    assert Victim.objects.filter(nationality="unknown").count() == sum(
        r[7] == "ZZ" for r in original[1:]
    )
    assert Victim.objects.filter(sex="unknown").count() == sum(
        r[2] == "Unknown" for r in original[1:]
    )


@pytest.mark.django_db
def test_ctdc_export_of_cases_not_from_ctdc_derives_the_standard_fields(tmp_path, institutions):
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "case_reference,year,victim_sex,victim_age,exploitation_types,exploitation_country\n"
        "A-1,2023,f,15,sexual,AR\n",
        encoding="utf-8",
    )
    assert import_file(rows, institution="UFETESI").stored == 1
    out = tmp_path / "ctdc.csv"
    assert export_cases(Case.objects.all(), "ctdc", out) == 1
    header, row = read_rows(out)
    record = dict(zip(header, row, strict=True))
    assert header == list(ctdc.FIELDS)
    assert (record["gender"], record["majorityStatus"], record["isSexualExploit"]) == (
        "Female",
        "Minor",
        "1",
    )
    assert record["CountryOfExploitation"] == "AR" and record["Datasource"] == "Case Management"


def _flag_counts(rows) -> Counter:
    return Counter(
        name
        for row in rows
        for name, value in row.items()
        if name.startswith("meansOfControl") and value == "1" and "NotSpecified" not in name
    )


@pytest.mark.django_db
def test_ctdc_means_of_control_import_and_export_the_flags_of_the_file(tmp_path, institutions):
    with open(SAMPLE, encoding="utf-8", newline="") as fh:
        expected = _flag_counts(csv.DictReader(fh))
    assert import_file(SAMPLE, institution="UFETESI").stored == 200
    flags = ctdc._control_flags()
    imported = Counter(flags[code] for case in Case.objects.all() for code in case.means_of_control)
    assert imported == expected
    generic = sum("other_control" in case.means_of_control for case in Case.objects.all())
    assert generic == expected["meansOfControlOther"]
    out = tmp_path / "ctdc.csv"
    export_cases(Case.objects.all(), "ctdc", out)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert _flag_counts(rows) == expected
    with_means = [r for r in rows if r["meansOfControlConcatenated"] != "-99"]
    assert all(r["meansOfControlThreats"] in ("0", "1") for r in with_means)


def test_digital_means_of_control_export_to_the_nearest_ctdc_flag():
    row = ctdc.row_from_flat({"means_of_control": "image_threats|online_surveillance"})
    assert (row["meansOfControlThreats"], row["meansOfControlOther"]) == ("1", "1")
    assert row["meansOfControlDebtBondage"] == "0"
    assert row["meansOfControlConcatenated"] == "Threats;Other"
    assert ctdc.row_from_flat({"means_of_control": "not_asked"})["meansOfControlThreats"] == "-99"
