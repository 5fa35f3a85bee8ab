"""Benchmark: a 300,000-row import as a background job.

    python benchmarks/jobs_import.py [--n 300000] [--db sqlite|postgres|both]

Three measurements over the same generated CSV (``import_cases.generate``), each in its own
process on a fresh database:

- ``answer``: the import page's POST with the file, as an officer — the time until it answers
  (the upload saved, the job queued), and that nothing was imported by then;
- ``direct``: ``import_file`` called directly (as ``nanduti import`` does, without the bar);
- ``job``: the same file run as a job by a worker (``runner.execute``): progress written to its
  row, heartbeat thread, cancel checks — the overhead of running as a job.

Prints wall and CPU seconds (CPU: this process and its finished children, the importer's
workers), rows/s, and how many progress steps the job's row saw.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_cases import POSTGRES_SERVER, cpu_seconds, generate  # noqa: E402

OFFICER_INSTITUTION = "mp_ufetesi"
POSTGRES_DB = "nanduti_bench_jobs"


def fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DB}")
        con.execute(f"CREATE DATABASE {POSTGRES_DB}")
    return f"{POSTGRES_SERVER}/{POSTGRES_DB}"


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def work_answer(csv_path: str) -> dict:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from nanduti.registry.institutions import ensure_institution
    from nanduti.registry.models import Case, Membership, Role

    user = get_user_model().objects.create_user("bench", password="x" * 12)
    Membership.objects.create(
        user=user, role=Role.OFFICER, institution=ensure_institution(OFFICER_INSTITUTION)
    )
    client = Client()
    client.force_login(user)
    cpu = cpu_seconds()
    started = time.perf_counter()
    with open(csv_path, "rb") as fh:
        response = client.post("/importar/", {"archivo": fh})
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - cpu,
        "status": response.status_code,
        "location": response.headers.get("Location", ""),
        "cases_when_answered": Case.objects.count(),
        "megabytes": Path(csv_path).stat().st_size / 2**20,
    }


def work_direct(csv_path: str) -> dict:
    setup_django()
    from nanduti.registry.importer import import_file

    cpu = cpu_seconds()
    started = time.perf_counter()
    report = import_file(csv_path)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu,
        "rows": report.rows_read,
        "stored": report.stored,
    }


def work_job(csv_path: str) -> dict:
    setup_django()
    from nanduti.jobs import queue, runner
    from nanduti.jobs.models import Job

    # The runner deletes the upload it imported: give it a copy, as the import page does.
    copy = Path(tempfile.mkdtemp()) / "bench.csv"
    copy.write_bytes(Path(csv_path).read_bytes())
    job = queue.start(Job.Kind.IMPORT, params={"path": str(copy), "format": None})
    steps = []
    cpu = cpu_seconds()
    started = time.perf_counter()
    original = runner.Progress.__call__

    def counted(self, done, total=None):
        steps.append(done)
        original(self, done, total)

    runner.Progress.__call__ = counted
    status = runner.execute(job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - cpu,
        "status": status,
        "rows": job.done,
        "stored": job.result.get("stored"),
        "progress_calls": len(steps),
        "error": job.error_en,
    }


WORKS = {"answer": work_answer, "direct": work_direct, "job": work_job}


def run_child(work: str, csv_path: Path, env: dict) -> dict:
    import subprocess

    out = subprocess.run(
        [sys.executable, __file__, "--child", work, str(csv_path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{work} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(db: str, csv_path: Path, workdir: Path) -> dict:
    results = {}
    for work in WORKS:
        home = workdir / f"{db}-{work}"
        home.mkdir(exist_ok=True)
        for stale in home.glob("bench.sqlite3*"):
            stale.unlink()
        url = f"sqlite:///{home / 'bench.sqlite3'}" if db == "sqlite" else fresh_postgres()
        env = {"DATABASE_URL": url, "NANDUTI_HOME": str(home), "NANDUTI_SUMMARY_REBUILD": "off"}
        results[work] = run_child(work, csv_path, env)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work, csv_path = args.child
        print(json.dumps(WORKS[work](csv_path)))
        return
    workdir = Path(tempfile.mkdtemp(prefix="nanduti-bench-jobs-"))
    csv_path = workdir / "casos.csv"
    generate(csv_path, args.n)
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        results = measure(db, csv_path, workdir)
        answer, direct, job = results["answer"], results["direct"], results["job"]
        print(f"[{db}] {args.n} rows, {answer['megabytes']:.1f} MB")
        print(
            f"  import page answered: {answer['seconds']:.2f} s wall, "
            f"{answer['cpu_seconds']:.2f} s CPU, HTTP {answer['status']} → {answer['location']}, "
            f"cases stored by then: {answer['cases_when_answered']}"
        )
        for name, r in (("direct import_file", direct), ("as a job", job)):
            print(
                f"  {name:<18} {r['seconds']:7.1f} s wall {r['cpu_seconds']:7.1f} s CPU  "
                f"{r['rows'] / r['seconds']:8.0f} rows/s  stored {r['stored']}"
            )
        print(
            f"  job: {job['status']}, {job['progress_calls']} progress calls; "
            f"overhead {100 * (job['seconds'] / direct['seconds'] - 1):+.1f} % wall, "
            f"{100 * (job['cpu_seconds'] / direct['cpu_seconds'] - 1):+.1f} % CPU"
        )


if __name__ == "__main__":
    main()
