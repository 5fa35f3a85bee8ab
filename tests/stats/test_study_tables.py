"""Tables 4–8 of the study, rebuilt from case-level data consistent with the published ones."""

import json

import pytest
from django.core.management import call_command

from nanduti.registry.models import Institution
from nanduti.stats import study_tables as st

from .builders import make_cases

# Table 4: victims by sex and year chosen so the shares are the published ones.
T4_COUNTS = {
    2020: (44, 115, 1),
    2021: (21, 104, 0),
    2022: (21, 61, 1),
    2023: (11, 18, 0),
    2024: (3, 7, 0),
}
T4_PUBLISHED = {
    "male": [27.5, 16.8, 25.3, 37.9, 30.0],
    "female": [71.9, 83.2, 73.5, 62.1, 70.0],
    "ns": [0.6, 0.0, 1.2, 0.0, 0.0],
}
T5_PUBLISHED = {
    "asuncion": {2020: 55, 2021: 29, 2023: 29, 2024: 2},
    "alto_parana": {2020: 22, 2021: 24, 2023: 21, 2024: 6},
    "central": {2020: 12, 2021: 12, 2023: 8, 2024: 7},
    "caaguazu": {2021: 9, 2023: 2},
}
T5_NATIONAL = {2020: 114, 2021: 82, 2023: 68, 2024: 17}
SMALL_DEPARTMENTS = [
    "concepcion",
    "san_pedro",
    "cordillera",
    "guaira",
    "caazapa",
    "itapua",
    "misiones",
    "paraguari",
    "neembucu",
    "amambay",
    "canindeyu",
    "presidente_hayes",
    "alto_paraguay",
    "boqueron",
]
T6_PUBLISHED = {2020: 45, 2021: 44, 2022: 49, 2023: 20, 2024: 10}
T7_PUBLISHED = {
    2020: (6, [14, 15, 16, 17], 0, []),
    2021: (7, [14, 17], 1, [15]),
    2022: (5, [14, 17], 0, []),
    2023: (1, [14], 0, []),
    2024: (2, [16], 1, [15]),
}
T8_PUBLISHED = {  # year: [(traff F, M), (esnna F, M), (other F, M)]
    2020: [(59, 32), (47, 9), (10, 16)],
    2021: [(11, 4), (28, 3), (5, 2)],
    2022: [(5, 2), (27, 1), (4, 0)],
    2023: [(7, 4), (42, 8), (1, 0)],
}


def prosecutor_cases() -> list[dict]:
    """Cases whose victims give Table 4 and whose departments give Table 5."""
    specs = []
    for year, (male, female, ns) in T4_COUNTS.items():
        sexes = ["male"] * male + ["female"] * female + ["unknown"] * ns
        depts = []
        if year in T5_NATIONAL:
            for dept, by_year in T5_PUBLISHED.items():
                depts += [dept] * by_year.get(year, 0)
            rest = T5_NATIONAL[year] - len(depts)
            depts += [SMALL_DEPARTMENTS[i % len(SMALL_DEPARTMENTS)] for i in range(rest)]
        else:
            depts = [""] * 40  # 2022: no department figures in the study
        # Spread the victims over the cases (some cases have several victims).
        for dept in depts:
            specs.append({"year": year, "department": dept, "victims": []})
        for i, sex in enumerate(sexes):
            specs[len(specs) - len(depts) + i % len(depts)]["victims"].append({"sex": sex})
    for spec in specs:
        spec["victims"] = [{**v, "reference": str(i)} for i, v in enumerate(spec["victims"])]
    return specs


@pytest.fixture
def study_data(db):
    mp = Institution.objects.create(code="mp_ufetesi", name="Ministerio Público")
    police = Institution.objects.create(code="police_antitrata", name="Policía Nacional")
    minna = Institution.objects.create(code="MINNA", name="MINNA")
    specs = prosecutor_cases()
    for spec in specs:
        for v in spec["victims"]:
            v.pop("reference")
    make_cases(mp, specs)
    make_cases(
        police,
        [{"year": y, "department": "central"} for y, n in T6_PUBLISHED.items() for _ in range(n)],
    )
    minna_specs = []
    for year, groups in T8_PUBLISHED.items():
        for kinds, (fem, masc) in zip(
            [["sexual"], ["esnna"], ["other_exploitation"]], groups, strict=True
        ):
            minna_specs += [
                {"year": year, "exploitation": kinds, "victims": [{"sex": "female"}]}
            ] * fem
            minna_specs += [
                {"year": year, "exploitation": kinds, "victims": [{"sex": "male"}]}
            ] * masc
    for year, (fem, fem_ages, masc, masc_ages) in T7_PUBLISHED.items():
        for i in range(fem):
            minna_specs.append(
                {
                    "year": year,
                    "assisted": True,
                    "exploitation": ["esnna"],
                    "victims": [{"sex": "female", "age": fem_ages[i % len(fem_ages)]}],
                }
            )
        for i in range(masc):
            minna_specs.append(
                {
                    "year": year,
                    "assisted": True,
                    "exploitation": ["esnna"],
                    "victims": [{"sex": "male", "age": masc_ages[i % len(masc_ages)]}],
                }
            )
    # Table 8 counts every MINNA case; the assisted ones were already counted in ESNNA there.
    make_cases(minna, minna_specs)
    return minna_specs


def test_table4_shares_cell_by_cell(study_data):
    t = st.table4()
    for sex, shares in T4_PUBLISHED.items():
        for year, share in zip(range(2020, 2025), shares, strict=True):
            assert t["values"][f"{sex}|{year}"] == pytest.approx(share), (sex, year)
    assert t["rows"][0][1] == "27,5 %" and t["rows"][-1][0] == "TOTAL"


def test_table5_departments_cell_by_cell(study_data):
    t = st.table5(language="es")
    shown = [r[0] for r in t["rows"]]
    assert shown == ["Asunción", "Alto Paraná", "Central", "Caaguazú"]
    for dept, by_year in T5_PUBLISHED.items():
        for year in range(2020, 2025):
            assert t["values"].get(f"{dept}|{year}", 0) == by_year.get(year, 0), (dept, year)
    for year in range(2020, 2025):
        assert t["values"][f"national|{year}"] == T5_NATIONAL.get(year, 0)
    years = t["header"][0][1:6]
    assert years == ["2020", "2021", "2022", "2023", "2024"]
    assert t["rows"][0][1:6] == ["55", "29", "n/a", "29", "2"]
    assert t["rows"][0][6:] == ["114", "82", "n/a", "68", "17"]
    assert t["rows"][3][1:6] == ["n/a", "9", "n/a", "2", "n/a"]


def test_table6_cases_per_year(study_data):
    assert st.table6()["values"] == {str(y): n for y, n in T6_PUBLISHED.items()}


def test_table7_victims_assisted(study_data):
    t = st.table7(language="en")
    by_year = {r[0]: r for r in t["rows"]}
    assert by_year["2020"][1:] == ["6", "14 - 17 years", "0", ""]
    assert by_year["2021"][1:] == ["7", "14 - 17 years", "1", "15 years"]
    assert by_year["2023"][1:] == ["1", "14 years", "0", ""]
    assert by_year["2024"][1:] == ["2", "16 years", "1", "15 years"]
    assert by_year["Total"][1] == "21" and by_year["Total"][3] == "2"


def test_table8_type_sex_year(study_data):
    t = st.table8(language="en")
    extra = {}  # the assisted victims of Table 7 are ESNNA cases in Table 8 too
    for year, (fem, _ages, masc, _m) in T7_PUBLISHED.items():
        extra[year] = (fem, masc)
    for year, groups in T8_PUBLISHED.items():
        (tf, tm), (ef, em), (of, om) = groups
        ef, em = ef + extra[year][0], em + extra[year][1]
        got = t["values"]
        assert (got[f"{year}|traff|fem"], got[f"{year}|traff|masc"]) == (tf, tm)
        assert (got[f"{year}|esnna|fem"], got[f"{year}|esnna|masc"]) == (ef, em)
        assert (got[f"{year}|otherv|fem"], got[f"{year}|otherv|masc"]) == (of, om)
        assert got[f"{year}|total|fem"] == tf + ef + of
    row2022 = next(r for r in t["rows"] if r[0] == "2022")
    assert row2022[6] == "-"  # Other violations, male, 2022: a dash as in the study
    assert t["header"][0][5] == "Other violations"


def test_table8_published_totals_without_assisted_extra(db):
    minna = Institution.objects.create(code="minna", name="MINNA")
    specs = []
    for year, groups in T8_PUBLISHED.items():
        for kinds, (fem, masc) in zip(
            [["labour"], ["online_sexual"], ["other_exploitation"]], groups, strict=True
        ):
            specs += [{"year": year, "exploitation": kinds, "victims": [{"sex": "female"}]}] * fem
            specs += [{"year": year, "exploitation": kinds, "victims": [{"sex": "male"}]}] * masc
    make_cases(minna, specs)
    total = next(r for r in st.table8(language="en")["rows"] if r[0] == "Total")
    assert total[1:] == ["82", "42", "144", "21", "20", "18", "246", "81"]
    row2020 = next(r for r in st.table8(language="en")["rows"] if r[0] == "2020")
    assert row2020[1:] == ["59", "32", "47", "9", "10", "16", "116", "57"]


def test_report_command(study_data, capsys):
    call_command("report", "study-tables")
    text = capsys.readouterr().out
    assert "Tabla 4" in text and "Tabla 8" in text and "27,5 %" in text
    call_command("report", "study-tables", "--format", "json")
    tables = json.loads(capsys.readouterr().out)
    assert [t["number"] for t in tables] == [4, 5, 6, 7, 8]
