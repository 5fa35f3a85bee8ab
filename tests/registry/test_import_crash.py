"""A killed import (issue 15, F7): `nanduti import` in a subprocess, SIGKILLed at random
points, leaves batches and audit log that agree with the cases it committed, no worker
writing after it, and a plain re-import completes the file."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from django.db import connection

from nanduti import demo

ROWS = 6_000
KILLS = 3


def _command(home: Path, database_url: str | None, *args: str) -> list:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "NANDUTI_"))}
    env["NANDUTI_HOME"] = str(home)
    if database_url:
        env["DATABASE_URL"] = database_url
    return [[sys.executable, "-m", "nanduti", *args], env]


def _run(home: Path, database_url: str | None, *args: str) -> float:
    command, env = _command(home, database_url, *args)
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return time.monotonic() - started


def _stored(cursor) -> int:
    cursor.execute("SELECT COALESCE(SUM(stored), 0) FROM registry_importbatch")
    return cursor.fetchone()[0]


def _kill_during(home: Path, database_url, cursor, pause: float, *args: str) -> None:
    """Starts the import and SIGKILLs it ``pause`` seconds after it has committed a chunk."""
    before = _stored(cursor())
    command, env = _command(home, database_url, *args)
    process = subprocess.Popen(command, env=env, cwd=home, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while process.poll() is None and _stored(cursor()) == before:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(pause)
    process.send_signal(signal.SIGKILL)
    process.wait()


def _survivors(marker: str) -> list[int]:
    """Processes still running whose command line names the imported file."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _agreement(cursor) -> int:
    """Checks that every batch's count, its audit events and its cases agree; the number of
    cases."""
    cursor.execute("SELECT id, stored FROM registry_importbatch")
    batches = dict(cursor.fetchall())
    cursor.execute("SELECT id, import_batch_id FROM registry_case")
    cases = dict(cursor.fetchall())
    cursor.execute("SELECT changes FROM registry_auditevent WHERE action = 'import'")
    created = defaultdict(set)
    for (changes,) in cursor.fetchall():
        changes = json.loads(changes) if isinstance(changes, str) else changes
        for first, last in changes["created"]:
            created[changes["batch"]].update(range(first, last + 1))
    assert set().union(*created.values()) == set(cases)
    per_batch = defaultdict(set)
    for case_id, batch_id in cases.items():
        per_batch[batch_id].add(case_id)
    for batch_id, stored in batches.items():
        assert stored == len(created[batch_id]) == len(per_batch[batch_id]), batch_id
    return len(cases)


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_registry_and_audit_in_agreement(tmp_path, workers):
    rng = random.Random(15 + int(workers))
    source = tmp_path / f"matar-{os.getpid()}-{workers}.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        demo.write_csv(list(demo.generate_rows(ROWS, seed=9)), fh)
    reference, home = tmp_path / "referencia", tmp_path / "matado"
    reference.mkdir()
    home.mkdir()
    database_url = None
    if connection.vendor == "postgresql":  # the test database, reached from the subprocess
        settings = connection.settings_dict
        database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/"
        database_url += settings["NAME"]
    else:
        for folder in (reference, home):
            _run(folder, None, "migrate", "-v0")
    args = ("import", str(source), "--workers", workers)
    expected = None  # one PostgreSQL database: no clean run to compare with
    if not database_url:
        _run(reference, None, *args)
        with sqlite3.connect(reference / "nanduti.sqlite3") as db:
            expected = _agreement(db.cursor())

    def cursor():
        if database_url:
            return connection.cursor()
        return sqlite3.connect(home / "nanduti.sqlite3", timeout=30).cursor()

    counts = []
    for _kill in range(KILLS):
        _kill_during(home, database_url, cursor, rng.uniform(0, 0.4), *args)
        time.sleep(1.0)
        assert _survivors(source.name) == [], "a worker outlived its killed parent"
        before = _agreement(cursor())
        time.sleep(1.0)
        assert _agreement(cursor()) == before  # nothing writes any more
        counts.append(before)
    _run(home, database_url, *args)  # a plain re-import completes the file
    final = _agreement(cursor())
    assert final == (expected if expected is not None else final) and final > 0.95 * ROWS
    assert 0 < counts[0] < final, counts  # the first kill, at least, came half-way
