"""Issue 2's acceptance check: an export of the demo data, damaged the way real spreadsheets
are, imported into an empty database — every row stored or rejected with a reason, none lost,
normalised values right."""

import csv
import io
import random

import pytest

from nanduti import demo
from nanduti.registry.exporter import export_cases
from nanduti.registry.importer import import_file
from nanduti.registry.models import Case, RejectedRow, Victim
from nanduti.taxonomy.vocab import fold

pytestmark = pytest.mark.slow

CASES = 300
# Values a data clerk types instead of the codes.
ALIASES = {
    "platforms_recruitment": {"whatsapp": "wsp", "facebook": "Face", "instagram": "insta"},
    "district": {"alto_parana.ciudad_del_este": "CDE"},
    "department": {"asuncion": "ASUNCION", "alto_parana": "Alto Parana", "itapua": "itapua"},
    "victim_sex": {"female": "Mujer", "male": "Varón"},
}


def strip_accents(text: str) -> str:
    return text.translate(str.maketrans("áéíóúÁÉÍÓÚüÜ", "aeiouAEIOUuU"))


def damage(rows: list[dict], rnd: random.Random) -> tuple[list[dict], set[int]]:
    """Aliases, stripped accents, d/m/Y dates, bad dates, unknown values, duplicated rows.

    Returns the damaged rows and the positions (0-based) that must be rejected.
    """
    damaged, must_reject = [], set()
    for row in rows:
        row = dict(row)
        for column, replacements in ALIASES.items():
            for code, alias in replacements.items():
                values = row.get(column, "").split("|")
                row[column] = "|".join(alias if v == code else v for v in values)
        if row.get("reported_on"):
            y, m, d = row["reported_on"].split("-")
            row["reported_on"] = f"{d}/{m}/{y}"
        row["summary"] = strip_accents(row.get("summary", ""))
        damaged.append(row)
    for position in rnd.sample(range(len(damaged)), 6):
        kind = position % 3
        if kind == 0:
            damaged[position]["reported_on"] = "31/02/2023"
        elif kind == 1:
            damaged[position]["department"] = "Departamento Inventado"
        else:
            damaged[position]["platforms_recruitment"] = "Plataformaquenoexiste"
        must_reject.add(position)
    for position in rnd.sample(range(len(damaged)), 4):
        damaged.append(dict(damaged[position]))  # a duplicated row
    return damaged, must_reject


def write_latin1_semicolons(rows: list[dict], path) -> None:
    with open(path, "w", encoding="cp1252", errors="replace", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def export_rows(queryset) -> list[dict]:
    out = io.StringIO()
    export_cases(queryset, "csv", out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def key(row: dict) -> tuple[str, str, str]:
    return (row["institution"], row["case_reference"], row["victim_reference"])


@pytest.mark.django_db(transaction=True)
def test_damaged_export_of_the_demo_data_reimports_without_loss(tmp_path):
    demo.ensure_institutions()
    source = tmp_path / "demo.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        demo.write_csv(demo.generate_rows(CASES, seed=7), fh)
    first = import_file(source)
    assert first.readable and first.stored > 0 and first.rejected == 0
    original = export_rows(Case.objects.all())
    by_key = {key(r): r for r in original}

    rnd = random.Random(11)
    damaged, must_reject = damage(original, rnd)
    # The damage is real: aliases and d/m/Y dates stand where the codes were.
    assert sum("wsp" in r["platforms_recruitment"].split("|") for r in damaged) >= 5
    assert sum(r["department"] == "ASUNCION" for r in damaged) >= 5
    damaged_path = tmp_path / "damaged.csv"
    write_latin1_semicolons(damaged, damaged_path)

    # An empty database: the same institutions, no cases.
    Case.objects.all().delete()
    assert Victim.objects.count() == 0
    report = import_file(damaged_path)
    assert report.readable, report.fatal
    assert report.delimiter == ";"

    # Nothing lost: every row of the file is either stored or rejected with a reason.
    reimported = export_rows(Case.objects.all())
    rejected_rows = RejectedRow.objects.filter(batch_id__in=report.batch_ids)
    rejected_numbers = {r.row_number for r in rejected_rows}
    assert all(r.errors for r in rejected_rows)
    stored_keys = {key(r) for r in reimported}
    for position, row in enumerate(damaged):
        file_row = position + 2  # the header is row 1
        assert key(row) in stored_keys or file_row in rejected_numbers, row
    # Deliberately broken rows are rejected (their whole case with them) ...
    for position in must_reject:
        assert position + 2 in rejected_numbers
    # ... and duplicated rows are rejected as duplicates, not stored twice.
    messages = " ".join(e["message"] for r in rejected_rows for e in r.errors)
    assert "duplica" in fold(messages)
    assert len(reimported) == len(stored_keys)

    # Normalised values are right: every stored row equals the original row.
    rejected_cases = {key(damaged[p])[:2] for p in must_reject}
    compared = 0
    for row in reimported:
        expected = by_key[key(row)]
        if key(row)[:2] in rejected_cases:
            continue
        for column in (
            "department",
            "district",
            "victim_sex",
            "platforms_recruitment",
            "reported_on",
            "exploitation_types",
            "victim_age_band",
            "destination_country",
        ):
            assert row[column] == expected[column], (column, row[column], expected[column])
        compared += 1
    assert compared >= len(original) - 40
