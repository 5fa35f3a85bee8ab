"""Rows stored through the registry importer count as computed directly from the rows."""

import csv
import random
from collections import Counter

from nanduti.registry.importer import import_file
from nanduti.stats import crosstab


def test_counts_equal_counts_from_the_rows(db, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    rng = random.Random(11)
    rows = []
    for i in range(120):
        rows.append(
            {
                "case_reference": f"C{i}",
                "year": str(rng.choice([2021, 2022, 2023])),
                "department": rng.choice(["Central", "Alto Paraná", "Itapúa"]),
                "victim_reference": "1",
                "victim_sex": rng.choice(["mujer", "varón", "F"]),
                "victim_age": str(rng.randint(8, 40)),
                "exploitation_types": rng.choice(["explotación sexual", "explotación laboral"]),
                "exploitation_country": rng.choice(["Argentina", "España", "Paraguay"]),
                "platforms_recruitment": rng.choice(["Facebook", "WhatsApp", ""]),
            }
        )
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_file(path, institution="mp_ufetesi")
    assert report.stored == 120, (report.summary(), report.errors[:3], report.fatal)
    sex = Counter(
        {"mujer": "female", "F": "female", "varón": "male"}[r["victim_sex"]] for r in rows
    )
    t = crosstab.run("sex", unit="victims")
    assert {k[0]: v for k, v in t.cells.items()} == dict(sex)
    country = Counter(
        {"Argentina": "AR", "España": "ES", "Paraguay": "PY"}[r["exploitation_country"]]
        for r in rows
    )
    t = crosstab.run("exploitation_country", unit="victims")
    assert {k[0]: v for k, v in t.cells.items()} == dict(country)
    kinds = Counter(
        {"explotación sexual": "sexual", "explotación laboral": "labour"}[r["exploitation_types"]]
        for r in rows
    )
    t = crosstab.run("exploitation", unit="victims")
    assert {k[0]: v for k, v in t.cells.items()} == dict(kinds)
    by_year_dept = Counter((int(r["year"]), r["department"]) for r in rows)
    t = crosstab.run("year,department", unit="cases")
    assert sum(t.cells.values()) == sum(by_year_dept.values()) == t.total
    whatsapp = sum(r["platforms_recruitment"] == "WhatsApp" for r in rows)
    assert crosstab.run("platform").value(("whatsapp",)) == whatsapp
