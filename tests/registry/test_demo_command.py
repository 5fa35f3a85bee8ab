"""`nanduti generate-demo` and `nanduti demo`: files, database, users, idempotency, serving."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from nanduti import demo
from nanduti.registry.models import Case, Institution, Membership, Referral, Victim


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Kept files (raw imports, demo CSVs) go to a temporary folder, not the work tree."""
    settings.VAR_DIR = tmp_path / "var"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_generate_demo_writes_a_csv_in_the_schema(tmp_path):
    target = tmp_path / "demo.csv"
    _out, err = run("generate_demo", "--cases", "120", "--seed", "9", "-o", str(target))
    with open(target, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(demo.COLUMN_NAMES)
    assert len({(r["institution"], r["case_reference"]) for r in rows}) == 120
    assert {r["synthetic"] for r in rows} == {"yes"}
    assert "120" in err and str(target) in err


def test_generate_demo_without_output_prints_only_csv_on_stdout():
    out, err = run("generate_demo", "--cases", "5", "--seed", "1")
    lines = out.splitlines()
    assert lines[0].split(",")[:3] == ["institution", "case_reference", "source"]
    assert all(line.count(",") == len(demo.COLUMN_NAMES) - 1 for line in lines)
    assert "filas" in err


def test_generate_demo_rejects_an_institution_without_profile():
    with pytest.raises(CommandError, match="mre"):
        run("generate_demo", "--cases", "5", "--institution", "mre")


@pytest.mark.django_db
def test_generate_demo_load_stores_synthetic_cases(tmp_path):
    target = tmp_path / "demo.csv"
    out, _err = run("generate_demo", "--cases", "60", "--seed", "4", "-o", str(target), "--load")
    assert "stored 60" in out
    assert Case.objects.count() == 60
    assert set(Case.objects.values_list("synthetic", flat=True)) == {True}
    assert set(Case.objects.values_list("source", flat=True)) == {"demo"}
    assert all(ref.startswith("DEMO-") for ref in Case.objects.values_list("reference", flat=True))


@pytest.mark.django_db
def test_generate_demo_load_without_output_keeps_only_the_importers_copy(settings):
    out, _err = run("generate_demo", "--cases", "30", "--seed", "4", "--load")
    assert "stored 30" in out
    var = Path(settings.VAR_DIR)
    assert not list((var / "demo").glob("*.csv"))
    assert len(list((var / "raw").rglob("*.csv.sealed"))) == 1


@pytest.mark.django_db
def test_demo_no_serve_loads_everything_once():
    out, _err = run("demo", "--no-serve", "--cases", "200", "--seed", "3")

    assert Case.objects.filter(synthetic=True).count() == 200
    victims = Victim.objects.filter(case__synthetic=True).count()
    assert victims > 200  # some cases have several victims
    assert Institution.objects.filter(code__in=demo.institution_codes()).count() == 5
    assert Referral.objects.exists()
    # Every demo user can log in with the password the command printed.
    for username, _role, _institution, password in demo.DEMO_USERS:
        assert f"{username}" in out and password in out
        assert authenticate(username=username, password=password) is not None
    fiscalia = Membership.objects.get(user__username="demo-fiscalia")
    assert (fiscalia.role, fiscalia.institution.code) == ("officer", "mp_ufetesi")
    assert authenticate(username="demo-admin", password="palo-santo-firme-28").is_superuser
    assert "http://127.0.0.1:8000/" in out
    assert f"{victims}" in out

    # Twice: nothing duplicated.
    out_again, _err = run("demo", "--no-serve", "--cases", "200", "--seed", "3")
    assert Case.objects.filter(synthetic=True).count() == 200
    assert Victim.objects.filter(case__synthetic=True).count() == victims
    assert "stored 0" in out_again and "unchanged 200" in out_again
    # The official figures: the study's Tables 4-8 and the INE/UFETESI series, once.
    from nanduti.figures.models import Series

    assert Series.objects.count() == 8 and "sin cambios / unchanged 8" in out_again


@pytest.mark.django_db
def test_demo_refuses_production_settings(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="producción"):
        run("demo", "--no-serve", "--cases", "1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_serves_the_web_interface(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NANDUTI_"))}
    env["NANDUTI_HOME"] = str(tmp_path)  # a fresh SQLite database, never the test server's
    command = [sys.executable, "-m", "nanduti", "demo", "--port", str(port), "--cases", "60"]
    log = open(tmp_path / "demo.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        status = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    status = response.status
                    body = response.read().decode("utf-8", "replace")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        output = Path(tmp_path / "demo.log").read_text()
        assert status == 200, output[-3000:]
        assert "<html" in body.lower()
        assert "demo-fiscalia" in output
        assert (tmp_path / "nanduti.sqlite3").exists()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
