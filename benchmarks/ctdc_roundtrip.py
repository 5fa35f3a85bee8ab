"""Benchmark: import a CTDC file of 47,102 rows (the size of the 2017 global data set) into an
empty registry, export it back as CTDC, and check that the rows come back as they went in.

    python benchmarks/ctdc_roundtrip.py [--n 47102] [--db sqlite|postgres|both] [--seed 1]

The full 2017 file is not in the repository: the 47,102 rows are built here from the real
3,000-row sample (tests/registry/fixtures) by drawing rows at random with replacement and
perturbing each drawn row (its year of registration moved by -1..+1, and for about one row
in ten one 0/1/-99 flag redrawn from the values that flag takes in the sample), so that the
file has the sample's value distributions but few identical rows. Migrations and the
vocabularies are loaded before the clock starts; each database is measured in its own
process.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "registry" / "fixtures" / "ctdc_global_2017_sample3000.csv"
POSTGRES_DB = "nanduti_bench_ctdc"


def build_file(path: Path, n: int, seed: int) -> None:
    with open(SAMPLE, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    flags = [i for i, name in enumerate(header) if {r[i] for r in rows} <= {"0", "1", "-99"}]
    seen = {i: sorted({r[i] for r in rows}) for i in flags}
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for _ in range(n):
            row = list(rng.choice(rows))
            if row[0].isdigit():
                row[0] = str(int(row[0]) + rng.choice((-1, 0, 1)))
            if rng.random() < 0.1:
                i = rng.choice(flags)
                row[i] = rng.choice(seen[i])
            writer.writerow(row)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the import's workers)."""
    import resource

    return sum(
        u.ru_utime + u.ru_stime
        for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def measure(db: str, source: Path, out: Path) -> dict:
    """In this process: a fresh database, then the timed import and export."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "nanduti.settings"
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_vocabularies", verbosity=0)
    from django.db import connection

    from nanduti.registry.exporter import export_cases
    from nanduti.registry.importer import import_file
    from nanduti.registry.models import Case

    started, cpu = time.perf_counter(), cpu_seconds()
    report = import_file(source, institution="mp_ufetesi", fmt="ctdc")
    imported, import_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    started, cpu = time.perf_counter(), cpu_seconds()
    rows = export_cases(Case.objects.all(), "ctdc", out)
    exported, export_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    with open(source, encoding="utf-8", newline="") as a, open(out, encoding="utf-8-sig") as b:
        identical = list(csv.reader(a)) == list(csv.reader(b))
    return {
        "db": db,
        "stored": report.stored,
        "rejected": report.rejected,
        "import_s": round(imported, 2),
        "import_cpu_s": round(import_cpu, 2),
        "exported": rows,
        "export_s": round(exported, 2),
        "export_cpu_s": round(export_cpu, 2),
        "identical": identical,
        "role": connection.settings_dict["USER"] or "",
        "workers": report.workers,
    }


def run(db: str, source: Path, folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NANDUTI_", "DATABASE_URL"))}
    env["NANDUTI_HOME"] = str(folder / db)
    env["PYTHONPATH"] = str(ROOT / "src")
    if db == "postgres":
        from import_cases import fresh_postgres  # the same unprivileged role

        env["DATABASE_URL"] = fresh_postgres(POSTGRES_DB)
    out = folder / f"{db}.csv"
    result = subprocess.run(
        [sys.executable, __file__, "--measure", db, str(source), str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=47_102)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        db, source, out = args.measure
        print(json.dumps(measure(db, Path(source), Path(out))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "ctdc.csv"
        build_file(source, args.n, args.seed)
        print(f"{args.n} rows built from the 3,000-row sample (seed {args.seed})")
        for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            print(json.dumps(run(db, source, folder)))
        print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
