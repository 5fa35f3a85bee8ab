"""A worker killed in the middle of an import (SIGKILL, no chance to clean up): the cases it
stored are whole, its job is marked failed when the next worker starts, and importing the
file again completes it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from nanduti.jobs import queue
from nanduti.jobs.models import Job
from nanduti.registry.models import Case

pytestmark = pytest.mark.slow

CASES = 30_000  # two rows each: 60,000 rows, read and stored by the importer's 2 processes


def database_url() -> str:
    """This test's database, for the worker processes."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT']}/{s['NAME']}"
    )


def worker(tmp_path, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "NANDUTI_HOME": str(tmp_path),
        "DATABASE_URL": database_url(),
        "NANDUTI_SUMMARY_REBUILD": "off",
    }
    env.pop("NANDUTI_TEST_DB_NAME", None)
    return subprocess.Popen(
        [sys.executable, "-m", "nanduti", "worker", "--interval", "0.2", *args],
        env=env,
        start_new_session=True,  # its own process group: the importer's processes too
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def sheet(tmp_path):
    folder = tmp_path / "var" / "uploads" / "u1"
    folder.mkdir(parents=True)
    path = folder / "casos.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("referencia_caso,anio,departamento,sexo,edad\n")
        for n in range(CASES):
            fh.write(f"K-{n},2023,Central,F,{14 + n % 5}\nK-{n},2023,Central,M,{20 + n % 9}\n")
    return path


def whole_cases_only() -> bool:
    return not Case.objects.annotate(n=Count("victims")).exclude(n=2).exists()


def test_a_killed_workers_import_stays_whole_and_its_job_is_marked_failed(
    transactional_db, officer, institutions, tmp_path, settings
):
    settings.VAR_DIR = tmp_path / "var"
    params = {"path": str(sheet(tmp_path)), "institution": "UFETESI", "format": None}
    job = queue.start(
        Job.Kind.IMPORT, user=officer, institution=institutions["UFETESI"], params=params
    )
    running = worker(tmp_path)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status != Job.Status.QUEUED and job.done > 0 or job.finished:
                break
            time.sleep(0.1)
        assert job.status == Job.Status.RUNNING and 0 < job.done < 60_000, (job.status, job.done)
    finally:
        os.killpg(running.pid, signal.SIGKILL)
        running.wait(timeout=30)

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING  # nobody was left to say otherwise
    stored = Case.objects.count()
    assert 0 < stored < CASES
    assert whole_cases_only()

    # The next worker to start marks it failed (its process is gone), then runs what waits.
    again = worker(tmp_path, "--batch")
    output, _ = again.communicate(timeout=120)
    assert "marcados fallidos" in output, output
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert f"se detuvo tras {job.done} de" in job.error_es and "stopped after" in job.error_en

    # Its upload is gone; uploading the file again stores the rest: the cases already stored
    # are recognised.
    assert not Path(params["path"]).exists()
    params["path"] = str(sheet(tmp_path))
    retry = queue.start(
        Job.Kind.IMPORT, user=officer, institution=institutions["UFETESI"], params=params
    )
    output, _ = worker(tmp_path, "--batch").communicate(timeout=900)
    retry.refresh_from_db()
    assert retry.status == Job.Status.SUCCEEDED, (retry.error_en, output)
    assert retry.result["stored"] + retry.result["unchanged"] == CASES
    assert Case.objects.count() == CASES
    assert whole_cases_only()
