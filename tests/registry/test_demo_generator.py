"""The synthetic demo generator: deterministic, valid codes, proportions as published."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from datetime import date

import pytest

from nanduti import demo
from nanduti.demo import generator, profile
from nanduti.registry import schema
from nanduti.taxonomy import vocab

CASES = 20_000


def csv_text(cases: int, seed: int, **kwargs) -> str:
    out = io.StringIO()
    demo.write_csv(demo.generate_rows(cases, seed, **kwargs), out)
    return out.getvalue()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(demo.generate_rows(CASES, seed=11))


@pytest.fixture(scope="module")
def by_institution(rows) -> dict[str, list[dict[str, str]]]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["institution"]].append(row)
    return grouped


def cases_of(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One row per case (the first victim's), for case-level shares."""
    return list({row["case_reference"]: row for row in reversed(rows)}.values())


def share(rows, predicate) -> float:
    return sum(1 for row in rows if predicate(row)) / len(rows)


# --- determinism --------------------------------------------------------------------------


def test_same_seed_gives_the_same_file_and_another_seed_another():
    first = csv_text(500, seed=3)
    assert first == csv_text(500, seed=3)
    assert first != csv_text(500, seed=4)
    assert len(first.splitlines()) > 500  # header + one row per victim


def test_a_larger_run_starts_with_the_same_cases():
    # So loading 2,000 demo cases after 200 adds cases instead of changing the first ones.
    small = csv_text(200, seed=5).splitlines()
    large = csv_text(400, seed=5).splitlines()
    assert large[: len(small)] == small


# --- what every row says ------------------------------------------------------------------


def test_every_row_is_marked_synthetic_and_nothing_looks_real(rows):
    assert {row["synthetic"] for row in rows} == {"yes"}
    assert {row["source"] for row in rows} == {"demo"}
    assert all(row["case_reference"].startswith("DEMO-") for row in rows)
    documents = [row["victim_document"] for row in rows if row["victim_document"]]
    phones = [row["victim_phone"] for row in rows if row["victim_phone"]]
    assert documents and phones
    assert all(d.startswith("DEMO-") for d in documents)
    assert all(p.startswith("DEMO-") for p in phones)
    assert all(row["summary"].startswith("SINTÉTICO") for row in rows)


def test_rows_have_every_schema_column_in_order(rows):
    assert all(tuple(row) == demo.COLUMN_NAMES for row in rows[:1000])
    assert tuple(c.name for c in schema.COLUMNS) == demo.COLUMN_NAMES


def test_every_code_belongs_to_its_vocabulary(rows):
    problems = Counter()
    for row in rows[:8000]:
        for column in schema.COLUMNS:
            value = row[column.name]
            if not value or not column.vocabulary:
                continue
            values = schema.split_multi(value) if column.multi else [value]
            vocabulary = vocab.get(column.vocabulary)
            for code in values:
                if code not in vocabulary:
                    problems[(column.name, code)] += 1
    assert not problems, problems.most_common(10)


def test_institutions_are_institution_codes(rows):
    institutions = vocab.get("institution")
    for row in rows[:2000]:
        assert row["institution"] in institutions
        for code in schema.split_multi(row["referred_to"]) + [row["referred_from"]]:
            assert not code or code in institutions


def test_every_profile_code_exists_in_the_vocabularies():
    demo.build_plan()
    assert not profile.DROPPED, sorted(profile.DROPPED)


def test_years_dates_and_ages_agree(rows):
    for row in rows:
        year = int(row["year"])
        assert 2019 <= year <= 2024
        reported = date.fromisoformat(row["reported_on"])
        assert reported.year == year
        if row["victim_age"] and row["victim_birth_date"]:
            born = date.fromisoformat(row["victim_birth_date"])
            age = (
                reported.year
                - born.year
                - ((reported.month, reported.day) < (born.month, born.day))
            )
            assert age == int(row["victim_age"]), row
        if row["victim_age"]:
            low, high = generator.BAND_AGES[row["victim_age_band"]]
            assert low <= int(row["victim_age"]) <= max(high, 120)


def test_csv_round_trips_even_values_that_need_quoting():
    rows = list(demo.generate_rows(50, seed=1))
    rows[0] = {**rows[0], "route": 'Asunción, "Chaco" → Buenos Aires', "summary": "a\nb"}
    out = io.StringIO()
    assert demo.write_csv(rows, out) == len(rows)
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert read == rows


def test_institution_filter_and_row_limit():
    rows = list(demo.generate_rows(300, seed=2, institutions=["minna"]))
    assert {row["institution"] for row in rows} == {"minna"}
    assert len({row["case_reference"] for row in rows}) == 300
    assert len(list(demo.generate_rows(300, seed=2, max_rows=77))) == 77
    with pytest.raises(ValueError, match="mre"):
        list(demo.generate_rows(10, seed=2, institutions=["mre"]))


# --- proportions follow the published figures ---------------------------------------------


def test_prosecutor_sex_share_by_year_follows_table_4(by_institution):
    table4_female = {2020: 0.719, 2021: 0.832, 2022: 0.735, 2023: 0.621, 2024: 0.70}
    rows = by_institution["mp_ufetesi"]
    for year, expected in table4_female.items():
        of_year = [r for r in rows if r["year"] == str(year)]
        assert len(of_year) > 300
        # Four standard errors of a share over this many rows (≈ 0.04 to 0.08).
        tolerance = 4 * math.sqrt(expected * (1 - expected) / len(of_year))
        assert share(of_year, lambda r: r["victim_sex"] == "female") == pytest.approx(
            expected, abs=tolerance
        ), year


def test_police_profile_follows_kuna_roga(by_institution):
    rows = by_institution["police_antitrata"]
    # 441 women of 501 victims; 86% children and adolescents.
    assert share(rows, lambda r: r["victim_sex"] == "female") == pytest.approx(441 / 501, abs=0.03)
    aged = [r for r in rows if r["victim_age_band"] not in ("", "unknown")]
    assert share(aged, lambda r: r["victim_age_band"] in generator.MINOR_BANDS) == pytest.approx(
        0.86, abs=0.03
    )
    # 35% Central, 11% Alto Paraná, 8.6% Cordillera, 6.7% Caaguazú.
    for department, expected in {
        "central": 0.35,
        "alto_parana": 0.11,
        "cordillera": 0.086,
        "caaguazu": 0.067,
    }.items():
        assert share(rows, lambda r, d=department: r["department"] == d) == pytest.approx(
            expected, abs=0.025
        ), department
    # 443 pimping (sexual), 33 labour of 512 categorised records.
    cases = cases_of(rows)
    types = [set(schema.split_multi(r["exploitation_types"])) for r in cases]
    sexual = sum(1 for t in types if t & generator.SEXUAL_GROUP) / len(types)
    labour = sum(1 for t in types if "labour" in t) / len(types)
    assert sexual == pytest.approx(443 / 512, abs=0.03)
    assert labour == pytest.approx(33 / 512, abs=0.02)
    assert share(rows, lambda r: r["victim_nationality"] == "PY") == pytest.approx(0.98, abs=0.02)


def test_prosecutor_departments_follow_table_5(by_institution):
    rows = by_institution["mp_ufetesi"]
    for department, count in {"asuncion": 115, "alto_parana": 73, "central": 39}.items():
        assert share(rows, lambda r, d=department: r["department"] == d) == pytest.approx(
            count / 281, abs=0.04
        ), department


def test_minna_children_only_event_not_asked_and_table_8_sexes(by_institution):
    rows = by_institution["minna"]
    aged = [r for r in rows if r["victim_age_band"] not in ("", "unknown")]
    assert share(aged, lambda r: r["victim_age_band"] in generator.MINOR_BANDS) > 0.97
    # Table 8: 246 girls, 81 boys.
    assert share(rows, lambda r: r["victim_sex"] == "female") == pytest.approx(246 / 327, abs=0.04)
    # PAIVTES does not ask about the event or the perpetrators.
    for column in ("platforms_recruitment", "lure", "modality", "perpetrator_roles"):
        assert {r[column] for r in rows} == {"not_asked"}, column


def test_ministry_of_women_24_of_201_through_whatsapp_and_facebook(by_institution):
    rows = by_institution["min_mujer"]
    assert {r["victim_sex"] for r in rows} == {"female"}
    assert not any(r["victim_age_band"] in generator.MINOR_BANDS for r in rows)
    cases = cases_of(rows)
    through_ict = share(cases, lambda r: r["platforms_recruitment"] != "")
    assert through_ict == pytest.approx(24 / 201, abs=0.02)
    platforms = {p for r in cases for p in schema.split_multi(r["platforms_recruitment"])}
    assert platforms == {"facebook", "whatsapp"}
    destinations = Counter(r["destination_country"] for r in cases if r["destination_country"])
    assert [code for code, _n in destinations.most_common(3)] == ["AR", "ES", "BR"]


def test_platforms_named_by_the_study_all_appear(rows):
    seen = {
        p
        for r in rows
        for phase in schema.PHASES
        for p in schema.split_multi(r[f"platforms_{phase}"])
    }
    named = {"facebook", "whatsapp", "instagram", "tiktok", "discord", "telegram", "onlyfans"}
    assert named | {"free_fire", "roblox", "zoom", "google_meet", "bolt"} <= seen


def test_the_same_person_appears_in_several_institutions_for_linkage(rows):
    records = defaultdict(list)
    for row in rows:
        if row["victim_document"]:
            records[row["victim_document"]].append(row)
    shared = {d: rs for d, rs in records.items() if len({r["institution"] for r in rs}) > 1}
    assert len(shared) > 0.03 * len(records)
    for rows_of_person in shared.values():
        later = sorted(rows_of_person, key=lambda r: r["reported_on"])[1:]
        # A referral: the later record names where it came from, and is the same person.
        assert any(r["referred_from"] for r in later)
        assert len({r["victim_sex"] for r in rows_of_person}) == 1
        births = {r["victim_birth_date"] for r in rows_of_person if r["victim_birth_date"]}
        assert len(births) <= 1
    # Some spellings differ between institutions, as in real records.
    assert any(len({r["victim_name"] for r in rs}) > 1 for rs in shared.values())


def test_parallel_file_writer_writes_the_same_file(tmp_path):
    cases = generator.CHUNK_CASES + 700  # two blocks, so two workers
    parallel = tmp_path / "parallel.csv"
    assert demo.write_csv_file(parallel, cases, seed=8, workers=2) > cases
    assert parallel.read_text(encoding="utf-8") == csv_text(cases, seed=8)
    limited = tmp_path / "limited.csv"
    rows = generator.CHUNK_CASES + 10
    assert demo.write_csv_file(limited, cases, seed=8, max_rows=rows, workers=2) == rows
    expected = "".join(csv_text(cases, seed=8).splitlines(keepends=True)[: rows + 1])
    assert limited.read_text(encoding="utf-8") == expected


def test_case_references_and_documents_stay_unique_across_blocks():
    rows = list(demo.generate_rows(generator.CHUNK_CASES * 2, seed=6))
    cases = {(r["institution"], r["case_reference"]) for r in rows}
    assert len(cases) == generator.CHUNK_CASES * 2
    people = defaultdict(set)
    for r in rows:
        if r["victim_document"]:
            people[r["victim_document"]].add(r["victim_sex"])
    assert all(len(sexes) == 1 for sexes in people.values())


def test_profile_encodes_the_published_figures():
    plan = demo.build_plan()
    police = plan.institutions["police_antitrata"]
    assert police.departments.share("central") == pytest.approx(0.35)
    assert police.departments.share("cordillera") == pytest.approx(0.086)
    assert police.sex.share("female") == pytest.approx(441 / 501)
    prosecutor = plan.institutions["mp_ufetesi"]
    assert prosecutor.sex_by_year[2023].share("male") == pytest.approx(0.379)
    assert prosecutor.departments.share("asuncion") == pytest.approx(115 / 281)
    # Police cases per year (Table 6), 2024 scaled from five months to twelve.
    assert plan.years.share("2022") / plan.years.share("2023") == pytest.approx(49 / 20)
    assert plan.years.share("2024") / plan.years.share("2023") == pytest.approx(24 / 20)


def test_prosecutor_records_name_the_legal_provisions(by_institution):
    for row in cases_of(by_institution["mp_ufetesi"])[:2000]:
        provisions = set(schema.split_multi(row["provisions"]))
        types = set(schema.split_multi(row["exploitation_types"]))
        assert "law4788_art5" in provisions
        assert ("pc_art139" in provisions) == ("esnna" in types)
        assert ("pc_art140" in provisions) == ("csam" in types)
    assert not any(r["provisions"] for r in by_institution["minna"])
