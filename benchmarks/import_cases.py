"""Benchmark: import N generated case rows from CSV into SQLite and PostgreSQL.

    python benchmarks/import_cases.py [--n 1000000] [--db sqlite|postgres|both]

Generates a CSV of messy Spanish case rows (stream-written, seeded), imports it with
``nanduti.registry.importer.import_file`` into a fresh database, and, in the same run,
inserts the same rows through the database's own bulk path (sqlite3 ``executemany`` into a
plain table; PostgreSQL ``COPY``) as the floor. Each measurement runs in its own process,
so peak RSS (``ru_maxrss``) is that of the measured work alone. Prints rows/s, peak memory
and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

POSTGRES_SERVER = os.environ.get("NANDUTI_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# Each engineer names their own on a shared server (NANDUTI_BENCH_DB).
POSTGRES_DB = os.environ.get("NANDUTI_BENCH_DB", "nanduti_bench_import")
# The import runs as production does: a role that is no superuser, creates no databases or
# roles, owns only the database it was given (so migrations can create its tables).
BENCH_ROLE = "nanduti_bench"

HEADER = [
    "institucion",
    "referencia_caso",
    "fecha",
    "departamento",
    "distrito",
    "plataformas_captacion",
    "plataformas_explotacion",
    "tipo_explotacion",
    "sexo",
    "edad",
    "nacionalidad",
    "relacion_captor",
    "situacion_legal",
    "resumen",
]
INSTITUTIONS = ["mp_ufetesi", "police_antitrata", "minna", "min_mujer", "luna_nueva"]
PLACES = [
    ("Alto Paraná", "Ciudad del Este"),
    ("Alto Parana", "CDE"),
    ("Central", "San Lorenzo"),
    ("central", "Luque"),
    ("Asunción", "Asunción"),
    ("Itapúa", "Encarnación"),
    ("ITAPUA", ""),
    ("Caaguazú", "Coronel Oviedo"),
    ("Amambay", "Pedro Juan Caballero"),
    ("San Pedro", ""),
    ("Concepción", "Concepción"),
]
PLATFORMS = [
    "Facebook",
    "face",
    "wsp",
    "WhatsApp",
    "Instagram",
    "IG",
    "tik tok",
    "TikTok",
    "Discord",
    "Telegram",
    "Free Fire",
    "redes sociales",
    "Tinder",
    "only fans",
]
EXPLOIT = ["explotación sexual", "sexual", "explotación laboral", "labour", "ESNNA", "criadazgo"]
SEXES = ["F", "femenino", "mujer", "M", "masculino", "Mujer", ""]
COUNTRIES = ["PY", "Paraguay", "paraguaya", "AR", "Argentina", "BR", "España", ""]
RELATIONS = ["amigo", "pareja", "familiar", "desconocido", "conocido", ""]
LEGAL = ["investigación", "imputado", "condena", "denuncia", ""]


def generate(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        case = 0
        written = 0
        while written < n:
            case += 1
            victims = 2 if rng.random() < 0.1 else 1
            institution = rng.choice(INSTITUTIONS)
            when = start + timedelta(days=rng.randrange(3500))
            department, district = rng.choice(PLACES)
            recruitment = "|".join(rng.sample(PLATFORMS, rng.choice((1, 1, 2))))
            exploitation = rng.choice(PLATFORMS) if rng.random() < 0.3 else ""
            kind = rng.choice(EXPLOIT)
            legal = rng.choice(LEGAL)
            date_text = when.strftime("%d/%m/%Y") if rng.random() < 0.7 else when.isoformat()
            for _ in range(min(victims, n - written)):
                age = rng.choice(("", str(rng.randint(9, 40))))
                writer.writerow(
                    [
                        institution,
                        f"B-{case:07d}",
                        date_text,
                        department,
                        district,
                        recruitment,
                        exploitation,
                        kind,
                        rng.choice(SEXES),
                        age,
                        rng.choice(COUNTRIES),
                        rng.choice(RELATIONS),
                        legal,
                        "Caso sintético de referencia para medir la importación",
                    ]
                )
                written += 1


def peak_rss_mib() -> float:
    """Peak RSS of this process and of its largest finished child (the import's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the import's workers): on a busy
    shared machine a fairer figure than wall time."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def postgres_cpu_seconds() -> float | None:
    """CPU time of the local PostgreSQL server: its live processes plus the finished ones
    its postmaster has reaped (backends, autovacuum, WAL writer, checkpointer). None when
    the server is not on this machine or /proc does not show it."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, seen = 0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if comm not in ("postgres", "postmaster"):
            continue
        seen = True
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        total += utime + stime
        if fields[1] == "1":  # the postmaster: add the children it has reaped
            total += cutime + cstime
    return total / ticks if seen else None


def _process_cpu(pid: str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """CPU time of the PostgreSQL processes serving the benchmark's database (the import's
    own server work: parsing, index maintenance, foreign-key checks; one backend per
    connection, the workers' included), whatever else the server runs for other sessions.
    Backends end with their connection, so a thread reads /proc every 0.1 s and keeps each
    backend's last figure (what a backend spends in its last 0.1 s is missed). ``seconds``
    is None when the server is not on this machine. The thread's own CPU time (reading
    /proc, ~2 ms a round) is ``own_cpu``."""

    def __init__(self, connection):
        settings = connection.settings_dict
        # Backends are titled "postgres: [cluster: ]user database host state".
        self.title = f": {settings['USER']} {settings['NAME']} ".encode()
        self.last: dict[str, float] = {}
        self.start = self._read()
        self.running = True
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _read(self) -> dict[str, float]:
        found = {}
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and self.title in (entry / "cmdline").read_bytes():
                    found[entry.name] = _process_cpu(entry.name)
            except OSError:
                continue
        return found

    def _watch(self) -> None:
        started = time.thread_time()
        while self.running:
            self.last.update(self._read())
            time.sleep(0.1)
        self.own_cpu = time.thread_time() - started  # not the import's: subtracted

    def stop(self) -> tuple[float | None, int]:
        """(CPU seconds since the start, backends seen)."""
        self.running = False
        self.thread.join()
        self.last.update(self._read())
        if not self.last:
            return None, 0
        spent = sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())
        return spent, len(self.last)


# -- workers (each in its own process) ------------------------------------------------


def work_import(csv_path: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from nanduti.registry.importer import import_file

    pattern = os.environ.get("NANDUTI_BENCH_NO_INDEXES")
    dropped = drop_secondary_indexes(connection, pattern) if pattern else []
    synchronous_commit = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            synchronous_commit = cursor.fetchone()[0]

    before = peak_rss_mib()
    cpu, main_cpu = cpu_seconds(), time.process_time()
    server = postgres_cpu_seconds() if connection.vendor == "postgresql" else None
    backends = BackendCpu(connection) if connection.vendor == "postgresql" else None
    started = time.perf_counter()
    workers = os.environ.get("NANDUTI_BENCH_WORKERS")
    report = import_file(csv_path, workers=int(workers) if workers else None)
    seconds = time.perf_counter() - started
    if server is not None:
        server = postgres_cpu_seconds() - server
    backend, backend_count = backends.stop() if backends is not None else (None, 0)
    watching = backends.own_cpu if backends is not None else 0.0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds() - cpu - watching,
        "main_cpu_seconds": time.process_time() - main_cpu - watching,
        "server_cpu_seconds": server,
        "backend_cpu_seconds": backend,
        "backends": backend_count,
        "rows": report.rows_read,
        "stored": report.stored,
        "rejected": report.rejected,
        "fuzzy": report.fuzzy_count,
        "peak_rss_mib": peak_rss_mib(),
        "rss_before_mib": before,
        "first_errors": [e["errors"][0]["message"] for e in report.errors[:3]],
        "dropped_indexes": dropped,
        "synchronous_commit": synchronous_commit,
        "role": database_role(connection),
    }


def drop_secondary_indexes(connection, pattern: str = "*") -> list[str]:
    """For measuring what the indexes cost: drops every index on the registry's case tables
    that neither a primary key nor a unique constraint needs (the importer needs the unique
    (institution, reference) one to find existing cases)."""
    tables = [
        "registry_case",
        "registry_victim",
        "registry_technologyuse",
        "registry_exploitation",
        "registry_perpetrator",
        "registry_referral",
        "registry_assistance",
    ]
    dropped = []
    with connection.cursor() as cursor:
        for table in tables:
            constraints = connection.introspection.get_constraints(cursor, table)
            for name, info in constraints.items():
                wanted = pattern == "*" or pattern in name
                if wanted and info["index"] and not info["primary_key"] and not info["unique"]:
                    cursor.execute(f'DROP INDEX "{name}"')
                    dropped.append(name)
    return dropped


def work_floor_sqlite(csv_path: str, db_path: str) -> dict:
    import sqlite3

    Path(db_path).unlink(missing_ok=True)
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    columns = ", ".join(f"c{i} TEXT" for i in range(len(HEADER)))
    con.execute(f"CREATE TABLE floor (id INTEGER PRIMARY KEY, {columns})")
    marks = ", ".join("?" for _ in HEADER)
    started = time.perf_counter()
    with open(csv_path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        with con:
            con.executemany(f"INSERT INTO floor VALUES (NULL, {marks})", reader)
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM floor").fetchone()[0]
    return {"seconds": seconds, "rows": rows, "peak_rss_mib": peak_rss_mib()}


def work_floor_postgres(csv_path: str, url: str) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=False) as con:
        columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
        con.execute(f"CREATE TABLE floor (id bigserial PRIMARY KEY, {columns})")
        names = ", ".join(f"c{i}" for i in range(len(HEADER)))
        started = time.perf_counter()
        with con.cursor() as cur, open(csv_path, "rb") as fh:
            sql = f"COPY floor ({names}) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')"
            with cur.copy(sql) as copy:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    copy.write(block)
        con.commit()
        seconds = time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM floor").fetchone()[0]
    return {"seconds": seconds, "rows": rows, "peak_rss_mib": peak_rss_mib()}


# -- driver ----------------------------------------------------------------------------


def run_worker(args: list[str], env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_postgres(name: str = POSTGRES_DB) -> str:
    """A new database owned by the unprivileged benchmark role; its URL, as that role."""
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [BENCH_ROLE]).fetchone():
            con.execute(f"CREATE ROLE {BENCH_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        con.execute(f"DROP DATABASE IF EXISTS {name}")
        con.execute(f"CREATE DATABASE {name} OWNER {BENCH_ROLE}")
    server = POSTGRES_SERVER.split("://", 1)[1].split("@", 1)[-1]
    return f"postgres://{BENCH_ROLE}@{server}/{name}"


def database_role(connection) -> str:
    """Who the import ran as, and whether that role could bypass anything."""
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )
        user, superuser, createdb, bypass = cursor.fetchone()
    return f"{user} (superuser {superuser}, createdb {createdb}, bypassrls {bypass})"


def measure(db: str, csv_path: Path, workdir: Path) -> dict:
    home = workdir / db
    home.mkdir(exist_ok=True)
    if db == "sqlite":
        for stale in home.glob("bench.sqlite3*"):
            stale.unlink()  # a fresh database each run, also with --workdir
        url = f"sqlite:///{home / 'bench.sqlite3'}"
        imported = run_worker(
            ["import", str(csv_path)], {"DATABASE_URL": url, "NANDUTI_HOME": str(home)}
        )
        floor = run_worker(["floor-sqlite", str(csv_path), str(home / "floor.sqlite3")], {})
    else:
        url = fresh_postgres()
        imported = run_worker(
            ["import", str(csv_path)], {"DATABASE_URL": url, "NANDUTI_HOME": str(home)}
        )
        url = fresh_postgres()
        floor = run_worker(["floor-postgres", str(csv_path), url], {})
    return {
        "db": db,
        "import": imported,
        "floor": floor,
        "import_rows_per_s": imported["rows"] / imported["seconds"],
        "floor_rows_per_s": floor["rows"] / floor["seconds"],
        "ratio": imported["seconds"] / floor["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workdir", help="keep files here (default: a temporary folder)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-indexes",
        nargs="?",
        const="*",
        metavar="PATTERN",
        help="drop the secondary indexes (those whose name contains PATTERN) before "
        "importing, to measure what they cost",
    )
    parser.add_argument(
        "--workers", type=int, help="normalising processes (default: the importer's choice)"
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workers:
        os.environ["NANDUTI_BENCH_WORKERS"] = str(args.workers)
    if args.no_indexes:
        os.environ["NANDUTI_BENCH_NO_INDEXES"] = args.no_indexes
    if args.worker:
        kind, *rest = args.worker
        result = {
            "import": lambda: work_import(*rest),
            "floor-sqlite": lambda: work_floor_sqlite(*rest),
            "floor-postgres": lambda: work_floor_postgres(*rest),
        }[kind]()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="nanduti-bench-") as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        csv_path = workdir / f"cases-{args.n}.csv"
        started = time.perf_counter()
        generate(csv_path, args.n)
        size = csv_path.stat().st_size / 1e6
        print(f"generated {args.n:,} rows ({size:.0f} MB) in {time.perf_counter() - started:.1f}s")
        results = []
        for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            result = measure(db, csv_path, workdir)
            results.append(result)
            imp, floor = result["import"], result["floor"]
            print(
                f"{db:9} import {imp['rows']:,} rows in {imp['seconds']:.1f}s = "
                f"{result['import_rows_per_s']:,.0f} rows/s, "
                f"peak RSS {imp['peak_rss_mib']:.0f} MiB "
                f"(stored {imp['stored']:,}, rejected {imp['rejected']:,}, fuzzy {imp['fuzzy']:,})"
            )
            if "cpu_seconds" in imp:
                print(
                    f"{'':9} import CPU time {imp['cpu_seconds']:.1f}s = "
                    f"{imp['rows'] / imp['cpu_seconds']:,.0f} rows per CPU-second "
                    f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
                )
            if "main_cpu_seconds" in imp:
                main, rows = imp["main_cpu_seconds"], imp["rows"]
                print(
                    f"{'':9} per row: main process {main / rows * 1e6:.0f} µs, workers "
                    f"{(imp['cpu_seconds'] - main) / rows * 1e6:.0f} µs"
                )
            if imp.get("backend_cpu_seconds") is not None:
                client, backend = imp["cpu_seconds"], imp["backend_cpu_seconds"]
                print(
                    f"{'':9} PostgreSQL CPU time of the import's {imp['backends']} connections "
                    f"{backend:.1f}s ({backend / imp['rows'] * 1e6:.0f} µs per row); client + that "
                    f"{client + backend:.1f}s = {imp['rows'] / (client + backend):,.0f} rows "
                    "per CPU-second"
                )
            if imp.get("server_cpu_seconds") is not None:
                print(
                    f"{'':9} whole PostgreSQL server CPU time {imp['server_cpu_seconds']:.1f}s "
                    "(also other sessions', autovacuum and WAL writer)"
                )
            print(
                f"{'':9} floor  {floor['rows']:,} rows in {floor['seconds']:.1f}s = "
                f"{result['floor_rows_per_s']:,.0f} rows/s, "
                f"peak RSS {floor['peak_rss_mib']:.0f} MiB; "
                f"import/floor time ratio {result['ratio']:.1f}×"
            )
            if imp.get("synchronous_commit"):
                print(
                    f"{'':9} server synchronous_commit: {imp['synchronous_commit']} "
                    "(the import's chunk transactions commit asynchronously)"
                )
            if imp.get("role"):
                print(f"{'':9} database role: {imp['role']}")
            if imp.get("dropped_indexes"):
                print(f"{'':9} without indexes: {', '.join(imp['dropped_indexes'])}")
            if imp["first_errors"]:
                print("  first rejects:", *imp["first_errors"], sep="\n    ")
        if args.json:
            print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
