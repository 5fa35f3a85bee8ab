"""The three published CTDC layouts import and export without loss; any CTDC variable can be
tabulated; a file with no institution is refused before its rows are read.

The small files here are written from the codebooks (CTDC Data Codebook v6, 2017; the
K-anonymised global data set of July 2021; the Global Synthetic Dataset codebook v2024), with
the values the standard allows: -99 not recorded, ZZ unknown country, Unknown, explicit 0,
several recruiter relationships in one cell, Hotline, majority status, blank in 2024.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nanduti.registry import ctdc
from nanduti.registry.exporter import export_cases
from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, ImportBatch, Victim
from nanduti.stats import crosstab
from nanduti.stats import fields as F

REAL_SAMPLE = Path(__file__).parent / "fixtures" / "ctdc_global_2017_sample3000.csv"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def write(path, header, rows, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read(path, delimiter=",") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def record(header, **values) -> list[str]:
    """A row of ``header``: -99 everywhere but where ``values`` says."""
    return [values.get(name, "-99") for name in header]


def export(tmp_path) -> list[list[str]]:
    out = tmp_path / "back.csv"
    export_cases(Case.objects.all(), "ctdc", out)
    return read(out)


ALL_MEANS = {f"meansOfControl{m}": "1" for m in ctdc.MEANS_OF_CONTROL if m != "NotSpecified"}


@pytest.mark.django_db
def test_2021_layout_with_semicolons_comes_back_as_it_came(tmp_path, institutions):
    header = list(ctdc.FIELDS)
    assert len(header) == 63 and "isSlaveryAndPractices" in header
    rows = [
        record(
            header,
            yearOfRegistration="2019",
            Datasource="Hotline",
            gender="Unknown",
            ageBroad="Unknown",
            majorityStatus="Minor",
            citizenship="ZZ",
            CountryOfExploitation="US",
            isSlaveryAndPractices="1",
            isForcedLabour="0",
            typeOfExploitConcatenated="SlaveryAndPractices",
            RecruiterRelationship="Friend; Other",
            recruiterRelationFriend="1",
            recruiterRelationOther="1",
            meansOfControlConcatenated=";".join(ALL_MEANS).replace("meansOfControl", ""),
            **ALL_MEANS,
        ),
        record(
            header, yearOfRegistration="2020", gender="Female", ageBroad="9--17", isSexAndLabour="1"
        ),
    ]
    path = write(tmp_path / "ctdc2021.csv", header, rows, delimiter=";")
    report = import_file(path, institution="UFETESI")
    assert (report.format, report.stored, report.rejected) == ("ctdc", 2, 0), report.errors
    assert export(tmp_path) == [header, *rows]
    first = Victim.objects.get(ctdc__Datasource="Hotline")
    assert (first.sex, first.age_band_ctdc, first.nationality) == ("unknown", "unknown", "unknown")
    assert first.recruiter_relation == "friend"
    assert len(first.case.means_of_control) >= 15  # no "value too long" for 17 flags
    assert first.case.exploitations.filter(type="slavery_practices").exists()
    second = Victim.objects.get(ctdc__yearOfRegistration="2020")
    assert set(second.case.exploitations.values_list("type", flat=True)) == {"sexual", "labour"}


@pytest.mark.django_db
def test_2024_synthetic_layout_with_alpha3_countries_and_blanks(tmp_path, institutions):
    header = list(ctdc.LAYOUT_2024)
    assert len(header) == 27
    blank = dict.fromkeys(header, "")
    rows = [
        [
            {
                **blank,
                "yearOfRegistration": "2021",
                "gender": "Woman",
                "ageBroad": "18--20",
                "citizenship": "PRY",
                "CountryOfExploitation": "ARG",
                "traffickMonths": "0--12 (0-1 yr)",
                "isSexualExploit": "1",
                "meansAbusePsyPhySex": "1",
                "typeOfSexProstitution": "1",
            }[h]
            for h in header
        ],
        [
            {**blank, "yearOfRegistration": "2022", "gender": "Trans/Transgender/NonConforming"}[h]
            for h in header
        ],
    ]
    path = write(tmp_path / "synthetic.csv", header, rows)
    report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (2, 0), report.errors
    assert export(tmp_path) == [header, *rows]
    victim = Victim.objects.get(ctdc__yearOfRegistration="2021")
    assert (victim.sex, victim.nationality, victim.case.exploitation_country) == (
        "female",
        "PY",
        "AR",
    )
    assert "psychological_abuse" in victim.case.means_of_control
    assert Victim.objects.get(ctdc__yearOfRegistration="2022").sex == "other"


@pytest.mark.django_db
def test_a_layout_of_its_own_keeps_its_columns_and_ids(tmp_path, institutions):
    header = ["id", *ctdc.LAYOUT_2017, "partnerNote"]
    rows = [
        ["17", *record(ctdc.LAYOUT_2017, gender="Male", citizenship="UA"), "x; y"],
        ["18", *record(ctdc.LAYOUT_2017, gender="Female"), ""],
    ]
    path = write(tmp_path / "own.csv", header, rows)
    report = import_file(path, institution="UFETESI")
    assert (report.stored, report.rejected) == (2, 0), report.errors
    assert set(Case.objects.values_list("reference", flat=True)) == {"17", "18"}
    assert export(tmp_path) == [header, *rows]
    again = import_file(path, institution="UFETESI")
    assert (again.stored, again.unchanged) == (0, 2)


@pytest.mark.django_db
def test_every_ctdc_variable_can_be_tabulated_as_written(institutions, settings):
    settings.NANDUTI_STATS_AUTO_REFRESH = False
    import_file(REAL_SAMPLE, institution="UFETESI")
    with open(REAL_SAMPLE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for variable in ("Datasource", "majorityStatus", "typeOfSexProstitution", "citizenship"):
        table = crosstab.build([F.field(f"ctdc_{variable.lower()}")], unit="victims")
        expected = {}
        for row in rows:
            expected[row[variable]] = expected.get(row[variable], 0) + 1
        assert {k[0]: n for k, n in table.cells.items()} == expected, variable
    every = {f"ctdc_{v.lower()}" for layout in ctdc.LAYOUTS.values() for v in layout}
    assert every <= set(F.FIELDS)


@pytest.mark.django_db
def test_a_file_without_institution_is_refused_before_reading(tmp_path, institutions):
    path = write(tmp_path / "ctdc.csv", list(ctdc.LAYOUT_2017), [record(ctdc.LAYOUT_2017)])
    with pytest.raises(CommandError) as refused:
        call_command("import", str(path))
    message = str(refused.value)
    assert refused.value.returncode != 0
    assert "--institution" in message and "institución" in message and "institution" in message
    assert Case.objects.count() == ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_a_flat_sheet_with_a_broken_ctdc_record_rejects_that_row_only(tmp_path, institutions):
    path = tmp_path / "flat.csv"
    path.write_text(
        "institucion,referencia_caso,registro_ctdc\n"
        'UFETESI,X1,"{""gender"": }"\n'
        'UFETESI,X2,"{""gender"": ""Female""}"\n'
        'UFETESI,X3,"[""Female""]"\n',
        encoding="utf-8",
    )
    report = import_file(path)
    assert (report.stored, report.rejected) == (1, 2)
    messages = [e["errors"][0]["message"] for e in report.errors]
    assert all("registro CTDC ilegible" in m and "unreadable CTDC record" in m for m in messages)
    assert Victim.objects.get().ctdc == {"gender": "Female"}
