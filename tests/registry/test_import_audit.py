"""Import at scale: one audit event per batch, the case's history, content hashes, and
worker processes that group rows into exactly what one process stores."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from nanduti import demo
from nanduti.registry import services
from nanduti.registry.importer import import_file
from nanduti.registry.models import AuditEvent, Case, ImportBatch

ROWS = """referencia_caso;departamento;plataformas_captacion;sexo;edad
H-1;Central;wsp;F;15
H-1;Central;IG;M;16
H-2;Itapua;face;mujer;22
"""


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_history_page_names_the_import_batch(client, tmp_path, officer):
    report = import_file(write(tmp_path / "lote.csv", ROWS), institution="UFETESI", user=officer)
    case = Case.objects.get(reference="H-1")
    assert case.import_batch_id == report.batch_id
    client.force_login(officer)
    html = client.get(f"/casos/{case.pk}/historial/").content.decode()
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert f"importado en el lote {batch.pk} (lote.csv, oficial" in html
    assert f"{batch.created_at:%Y-%m-%d}" in html
    # a case of another import is not said to come from this one
    other = import_file(
        write(tmp_path / "otro.csv", "referencia_caso;sexo\nH-9;F\n"), institution="UFETESI"
    )
    html = client.get(f"/casos/{case.pk}/historial/").content.decode()
    assert f"lote {other.batch_id} " not in html


@pytest.mark.django_db
def test_a_changed_case_shows_both_imports_in_its_history(client, tmp_path, officer):
    first = import_file(write(tmp_path / "a.csv", ROWS), institution="UFETESI", user=officer)
    second = import_file(
        write(tmp_path / "b.csv", ROWS.replace("Itapua;face", "Itapua;tiktok")),
        institution="UFETESI",
        user=officer,
    )
    assert (second.stored, second.updated, second.unchanged) == (0, 1, 1)
    case = Case.objects.get(reference="H-2")
    assert case.import_batch_id == second.batch_id
    assert case.technologies.get().platform == "tiktok"
    client.force_login(officer)
    html = client.get(f"/casos/{case.pk}/historial/").content.decode()
    assert f"lote {first.batch_id} (a.csv" in html and f"lote {second.batch_id} (b.csv" in html
    untouched = Case.objects.get(reference="H-1")
    assert untouched.import_batch_id == first.batch_id


@pytest.mark.django_db
def test_a_case_edited_after_import_is_not_unchanged(tmp_path, institutions):
    path = write(tmp_path / "c.csv", ROWS)
    import_file(path, institution="UFETESI")
    assert all(len(h) == 64 for h in Case.objects.values_list("content_hash", flat=True))
    case = Case.objects.get(reference="H-1")
    case.summary = "editado en la web"
    services.save_case(case, actor=None)
    victim = Case.objects.get(reference="H-2").victims.get()
    victim.age = 40
    services.save_case(victim.case, actor=None, children=[victim])
    assert set(Case.objects.values_list("content_hash", flat=True)) == {""}
    again = import_file(path, institution="UFETESI")
    # the file wins again, and both cases are hashed as the file says
    assert (again.stored, again.updated, again.unchanged) == (0, 2, 0)
    assert Case.objects.get(reference="H-1").summary == ""
    assert Case.objects.get(reference="H-2").victims.get().age == 22
    assert (import_file(path, institution="UFETESI").unchanged) == 2


@pytest.mark.django_db
def test_the_same_cases_with_other_headers_and_column_order_are_unchanged(tmp_path, institutions):
    import_file(write(tmp_path / "a.csv", ROWS), institution="UFETESI")
    english = (
        "victim_age,victim_sex,platforms_recruitment,department,case_reference\n"
        "15,female,WhatsApp,central,H-1\n16,male,instagram,central,H-1\n22,F,FB,ITAPÚA,H-2\n"
    )
    report = import_file(write(tmp_path / "b.csv", english), institution="UFETESI")
    assert (report.stored, report.updated, report.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.filter(action="import").count() == 1


MIXED = """institucion;referencia_caso;sexo;edad;plataformas_captacion;derivado_a
UFETESI;P-1;F;15;wsp;
UFETESI;P-2;M;200;face;
UFETESI;P-1;M;16;IG;
MINNA;P-3;mujer;30;tik tok;UFETESI
MINNA;P-3;mujer;30;tik tok;UFETESI
UFETESI;P-4;F;;Instagrammm;minna
UFETESI;P-5;F;12;marte;
MINNA;P-6;F;17;Discord;
UFETESI;P-1;F;14;Telegram;
"""


def _snapshot() -> list[tuple]:
    return sorted(
        (
            c.institution.code,
            c.reference,
            c.content_hash,
            tuple(sorted(c.victims.values_list("reference", "sex", "age"))),
            tuple(sorted(c.technologies.values_list("platform", flat=True))),
            tuple(sorted(c.referrals.values_list("to_institution__code", flat=True))),
        )
        for c in Case.objects.all()
    )


@pytest.mark.django_db(transaction=True)  # workers see committed rows only
def test_worker_processes_import_exactly_what_one_process_does(tmp_path, institutions):
    path = write(tmp_path / "mixed.csv", MIXED)
    alone = import_file(path, workers=1, chunk_rows=2)  # chunks alternate between workers
    stored = _snapshot()
    Case.objects.all().delete()
    together = import_file(path, workers=2, chunk_rows=2)
    assert (alone.workers, together.workers) == (0, 2)
    assert _snapshot() == stored
    for name in ("stored", "updated", "unchanged", "rejected", "rows_read", "fuzzy_count"):
        assert getattr(together, name) == getattr(alone, name), name
    assert sorted(e["row"] for e in together.errors) == sorted(e["row"] for e in alone.errors)
    assert (alone.stored, alone.rejected) == (4, 3), alone.errors


@pytest.mark.django_db(transaction=True)  # workers see committed rows only
def test_workers_group_whole_cases_as_one_process_does(tmp_path):
    """Demo rows (several victims per case, perpetrators, referrals, assistance) with a
    rejected row and a repeated one: the same cases, rejects and counts either way."""
    demo.ensure_institutions()
    rows = list(demo.generate_rows(400, seed=3))
    rows[10]["department"] = "Departamento Inventado"  # its whole case is rejected
    rows.insert(20, dict(rows[19]))  # an identical row right after its twin
    path = tmp_path / "demo.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        demo.write_csv(rows, fh)
    alone = import_file(path, workers=1, chunk_rows=60)
    stored = _snapshot()
    Case.objects.all().delete()
    together = import_file(path, workers=2, chunk_rows=60)
    assert together.workers == 2
    assert _snapshot() == stored
    for name in ("stored", "updated", "unchanged", "rejected", "rows_read"):
        assert getattr(together, name) == getattr(alone, name), name
    assert sorted(e["row"] for e in together.errors) == sorted(e["row"] for e in alone.errors)
    assert alone.rejected >= 2 and alone.stored >= 390


def nanduti(home: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NANDUTI_"))}
    env["NANDUTI_HOME"] = str(home)  # a fresh SQLite file: workers need a database on disk
    done = subprocess.run(
        [sys.executable, "-m", "nanduti", *args],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def damaged_demo_file(path: Path, cases: int) -> int:
    """A demo file with one unknown department (its case is rejected whole) and one row
    repeated right after itself; returns its number of rows."""
    rows = list(demo.generate_rows(cases, seed=5))
    rows[10]["department"] = "Departamento Inventado"
    rows.insert(2500, dict(rows[2499]))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        demo.write_csv(rows, fh)
    return len(rows)


@pytest.mark.slow
def test_cli_import_with_two_workers_equals_one_process_on_sqlite(tmp_path, db):
    demo.ensure_institutions()
    source = tmp_path / "casos.csv"
    rows = damaged_demo_file(source, 4200)  # three chunks of about 2,000 rows
    reports, exports = {}, {}
    for workers in (1, 2):
        home = tmp_path / f"w{workers}"
        home.mkdir()
        nanduti(home, "migrate", "-v0")
        reports[workers] = json.loads(
            nanduti(home, "import", str(source), "--workers", str(workers), "--json")
        )
        nanduti(home, "export", "--format", "csv", "-o", str(home / "out.csv"))
        with open(home / "out.csv", encoding="utf-8", newline="") as fh:
            exports[workers] = sorted(tuple(r.items()) for r in csv.DictReader(fh))
    one, two = reports[1], reports[2]
    assert (one["workers"], two["workers"]) == (0, 2)
    for name in ("stored", "updated", "unchanged", "rejected", "rows_read"):
        assert one[name] == two[name], name
    assert one["rows_read"] == rows and one["rejected"] >= 2
    assert sorted(e["row"] for e in one["errors"]) == sorted(e["row"] for e in two["errors"])
    assert len(exports[2]) > 4000 and exports[1] == exports[2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server both can reach")
@pytest.mark.django_db(transaction=True)
def test_two_workers_store_what_one_process_stores_on_postgresql(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    demo.ensure_institutions()
    source = tmp_path / "casos.csv"
    damaged_demo_file(source, 2600)
    alone = import_file(source, workers=1, chunk_rows=300)
    stored = _snapshot()
    Case.objects.all().delete()
    together = import_file(source, workers=2, chunk_rows=300)
    assert together.workers == 2
    assert _snapshot() == stored
    for name in ("stored", "updated", "unchanged", "rejected", "rows_read"):
        assert getattr(together, name) == getattr(alone, name), name
    created = {
        i
        for event in AuditEvent.objects.filter(action="import", object_id__in=together.batch_ids)
        for first, last in event.changes["created"]
        for i in range(first, last + 1)
    }
    assert created == set(Case.objects.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)  # workers see committed rows only
def test_a_killed_worker_stops_the_import_with_what_was_stored_audited(tmp_path):
    """A worker ended as the kernel's out-of-memory killer would end it: the import stops
    with a clear message; what it wrote is committed with its audit events and counts, and
    importing the file again completes it."""
    demo.ensure_institutions()
    path = tmp_path / "demo.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        demo.write_csv(list(demo.generate_rows(400, seed=3)), fh)

    def kill_a_worker(done: int, total: int) -> None:
        if done >= 120:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    report = import_file(path, workers=2, chunk_rows=60, progress=kill_a_worker)
    assert not report.readable
    assert "se interrumpió" in report.fatal and "an import process failed" in report.fatal
    assert 0 < report.stored == Case.objects.count() < 400
    # Each chunk committed with its audit event and its batch's counts.
    created = [
        i
        for event in AuditEvent.objects.filter(action="import")
        for first, last in event.changes["created"]
        for i in range(first, last + 1)
    ]
    assert sorted(created) == sorted(Case.objects.values_list("id", flat=True))
    assert sum(ImportBatch.objects.values_list("stored", flat=True)) == Case.objects.count()

    progress = []
    again = import_file(path, workers=2, chunk_rows=60, progress=lambda *a: progress.append(a))
    assert again.readable, again.fatal
    assert (again.unchanged, again.stored + again.unchanged) == (report.stored, 400)
    assert progress[-1] == (again.rows_read, again.rows_read) and len(progress) > 5


def _awkward_rows() -> list[list[str]]:
    """Accents, a summary with a line break inside quotes, blank rows, a bad department."""
    rows = []
    for n in range(40):
        summary = f"Captación por «Facebook»\nen Itapúa, caso {n}" if n % 7 == 0 else ""
        department = (
            "Departamento Inventado" if n == 23 else ("Itapúa", "Central", "Caaguazú")[n % 3]
        )
        rows.append(
            [f"W-{n // 2}", department, "wsp|IG", ("F", "M")[n % 2], str(14 + n % 9), summary]
        )
        if n % 11 == 5:
            rows.append(["", "", "", "", "", ""])
    return rows


@pytest.mark.parametrize("kind", ["utf-8", "cp1252", "xlsx"])
@pytest.mark.django_db(transaction=True)  # workers see committed rows only
def test_workers_read_their_chunks_right_in_any_encoding_and_format(tmp_path, institutions, kind):
    """Multi-byte characters, quoted line breaks, blank and title rows must not shift a
    row between the first pass and the second, in one process or several."""
    header = ["referencia_caso", "departamento", "plataformas_captacion", "sexo", "edad", "resumen"]
    rows = _awkward_rows()
    if kind == "xlsx":
        from openpyxl import Workbook

        path = tmp_path / "casos.xlsx"
        book = Workbook()
        sheet = book.active
        sheet.append(["Registro de casos 2024"])
        for row in [header, *rows]:
            sheet.append(row)
        book.save(path)
    else:
        path = tmp_path / "casos.csv"
        with open(path, "w", encoding=kind, newline="") as fh:
            fh.write("Registro de casos 2024\n")
            csv.writer(fh, delimiter=";").writerows([header, *rows])
    alone = import_file(path, institution="UFETESI", workers=1, chunk_rows=3)
    stored = _snapshot()
    Case.objects.all().delete()
    together = import_file(path, institution="UFETESI", workers=2, chunk_rows=3)
    assert together.workers == 2
    assert _snapshot() == stored
    for name in ("stored", "rejected", "rows_read"):
        assert getattr(together, name) == getattr(alone, name), name
    assert sorted(e["row"] for e in together.errors) == sorted(e["row"] for e in alone.errors)
    assert alone.stored == 19 and alone.rejected == 2, alone.errors
    summaries = set(Case.objects.exclude(summary="").values_list("summary", flat=True))
    assert "Captación por «Facebook»\nen Itapúa, caso 14" in summaries
