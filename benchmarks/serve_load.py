"""Load on the production server: `nanduti serve` + PostgreSQL, N cases, C concurrent clients.

    python benchmarks/serve_load.py [--cases 100000] [--clients 20] [--duration 60]
        [--import-cases 5000] [--port 8150] [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

What it does, all on loopback:
1. as the PostgreSQL superuser (``--admin-url``) creates a role without privileges
   (``--role``, default ``nanduti_bench``: LOGIN, not superuser, no CREATEDB/CREATEROLE) and a
   fresh database it owns — the only grant the application needs; everything after this runs
   as that role;
2. ``nanduti migrate``, ``load-vocabularies``, ``generate-demo --cases N`` and ``import`` (the
   product's own generator and importer), ``rebuild-summaries``, then ``VACUUM (ANALYZE)``
   of every registry and statistics table (as autovacuum would after a bulk load; the
   PostgreSQL here runs without autovacuum);
3. starts ``nanduti serve`` (production settings, defaults for workers and threads);
4. phase "steady": C client threads for ``--duration`` seconds, each cycling through the case
   list, a case detail (random case of the user's institution), the dashboard and the API
   list; then phase "during import": ``nanduti import`` of ``--import-cases`` more cases
   starts with it, so pages are asked for while the import writes and while the summary is
   stale and being rebuilt (the phase lasts ``--duration`` and the import may outlast it);
   then, once the import has finished, phase "right after import" (``--duration`` again).
   Clients send the next request as soon as one is answered (``--think`` adds a pause).
5. server CPU per page, in a process of its own with production settings and the same
   role: ``--cpu-requests`` requests of each page through Django's test client, timed with
   ``time.process_time`` (the stable figure on a shared machine), with its SQL queries and
   the CPU of its PostgreSQL backend (/proc).
Prints p50/p95/max per page and phase, errors, how many dashboards said "stale", the CPU
the server's processes, the database's PostgreSQL backends and this load generator used
per request, and the load average.
The load generator is this script: one thread per client on keep-alive ``http.client``
connections (lighter than ``requests``); its own CPU is reported beside the server's.
Bounded: every phase stops at its deadline; each request times out after 30 s (an error).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests
from cryptography.fernet import Fernet

PAGES = ["case list", "case detail", "dashboard", "API list"]
STALE_NOTE = "Cifras del resumen construido"
USER, PASSWORD = "bench_officer", "carga-de-prueba-2026"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    p.add_argument("--import-cases", type=int, default=5_000)
    p.add_argument(
        "--think", type=float, default=0.0, help="pause of each client between requests (s)"
    )
    p.add_argument("--port", type=int, default=8150)
    p.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--role", default="nanduti_bench")
    p.add_argument("--database", default="nanduti_bench_serve")
    p.add_argument("--workers", type=int, default=0, help="nanduti serve --workers (default)")
    p.add_argument("--threads", type=int, default=0, help="nanduti serve --threads (default)")
    p.add_argument(
        "--keepalive", type=int, default=-1, help="nanduti serve --keepalive (-1: its default)"
    )
    p.add_argument("--cpu-requests", type=int, default=50, help="per page, in-process (0: skip)")
    return p.parse_args()


def fresh_database(admin_url: str, role: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        if not exists:
            conn.execute(
                f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION'
            )
        conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        assert superuser.fetchone()[0] is False


def nanduti(env: dict, *args: str, capture: bool = False) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "nanduti", *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE if capture else sys.stderr,
        text=True,
    )
    return time.perf_counter() - started, done.stdout or ""


SETUP_USER = """
import json
from django.contrib.auth import get_user_model
from django.db.models import Count
from nanduti.api.tokens import create_token
from nanduti.registry.models import Case, Institution, Membership
top = Case.objects.values("institution").annotate(n=Count("id")).order_by("-n").first()
institution = Institution.objects.get(pk=top["institution"])
user = get_user_model().objects.create_user("{user}", password="{password}")
Membership.objects.create(user=user, institution=institution, role="officer")
ids = list(Case.objects.filter(institution=institution).values_list("id", flat=True))
print(json.dumps({{"institution": institution.code, "cases": top["n"],
                  "token": create_token(user, "bench")[1], "ids": ids}}))
"""


# Run in a process of its own (production settings, the benchmark's role): each page's
# server CPU through Django's test client, without HTTP, gunicorn or the machine's queue.
CPU_PER_PAGE = r"""
import json, os, random, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from nanduti.api.tokens import create_token

TICK = os.sysconf("SC_CLK_TCK")


def postgres_cpu():  # CPU seconds of this connection's PostgreSQL backend (same machine)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


user = get_user_model().objects.get(username=os.environ["BENCH_USER"])
token = create_token(user, "cpu")[1]
ids = json.loads(os.environ["BENCH_IDS"])
n = int(os.environ["BENCH_N"])
rng = random.Random(3)
client = Client()
client.force_login(user)
pages = {
    "case list": lambda: client.get("/casos/"),
    "case detail": lambda: client.get(f"/casos/{rng.choice(ids)}/"),
    "dashboard": lambda: client.get("/estadisticas/"),
    "API list": lambda: api.get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {token}"),
}
api = Client()  # the token alone, no session cookie: as the load generator asks
out = {}
for page, get in pages.items():
    cpu, wall = time.process_time(), time.perf_counter()
    assert get().status_code == 200, page  # the first: counts kept until the data change
    first = {"cpu_ms": 1000 * (time.process_time() - cpu),
             "wall_ms": 1000 * (time.perf_counter() - wall)}
    sql = []
    def counted(execute, query, params, many, context):
        sql.append(query)
        return execute(query, params, many, context)
    with connection.execute_wrapper(counted):
        assert get().status_code == 200, page
    pg, cpu, wall = postgres_cpu(), time.process_time(), time.perf_counter()
    for _ in range(n):
        assert get().status_code == 200, page
    out[page] = {
        "cpu_ms": round(1000 * (time.process_time() - cpu) / n, 1),
        "postgres_cpu_ms": round(1000 * (postgres_cpu() - pg) / n, 1),
        "wall_ms": round(1000 * (time.perf_counter() - wall) / n, 1),
        "queries": len(sql),
        "first_request": {k: round(v, 1) for k, v in first.items()},
    }
print(json.dumps(out))
"""


def cpu_per_page(env: dict, ids: list[int], n: int) -> dict:
    child = {
        **env,
        "DJANGO_SETTINGS_MODULE": "nanduti.settings",
        "NANDUTI_ALLOWED_HOSTS": "testserver",
        "BENCH_USER": USER,
        "BENCH_IDS": json.dumps(ids[:500]),
        "BENCH_N": str(n),
    }
    done = subprocess.run(
        [sys.executable, "-c", CPU_PER_PAGE], env=child, check=True, stdout=subprocess.PIPE
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def vacuum(database_url: str) -> None:
    """What autovacuum does minutes after a bulk load: visibility map and statistics of
    every table the import and the summary rebuild wrote (the PostgreSQL here runs with
    ``autovacuum = off``; until 2026-12-07 07:50 only cases, victims and audit events were
    analysed, so the API's children were read by scanning each child table)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND (tablename LIKE 'registry\\_%' OR tablename LIKE 'stats\\_%') ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f'VACUUM (ANALYZE) "{table}"')


def login(base: str) -> str:
    page = requests.get(base + "/cuenta/entrar/", timeout=30)
    csrf = page.cookies["csrftoken"]
    form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = requests.post(
        base + "/cuenta/entrar/",
        data={"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": form},
        headers={"Cookie": f"csrftoken={csrf}"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.status_code
    return answer.cookies["sessionid"]


def solo(base: str, session_id: str, token: str, ids: list[int], repeat: int = 10) -> dict:
    """One client, one request at a time: each page's own latency, without queueing."""
    http = requests.Session()
    http.headers["Cookie"] = f"sessionid={session_id}"
    urls = {
        "case list": (base + "/casos/", {}),
        "case detail": (base + f"/casos/{ids[0]}/", {}),
        "dashboard": (base + "/estadisticas/", {}),
        "API list": (base + "/api/cases", {"Authorization": f"Bearer {token}"}),
    }
    out = {}
    for page, (url, headers) in urls.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            http.get(url, headers=headers, timeout=30).raise_for_status()
            times.append(time.perf_counter() - started)
        out[page] = {"p50_ms": round(1000 * statistics.median(times), 1)}
    return out


class PostgresCpu:
    """CPU time of the PostgreSQL backends serving one database, sampled every 0.5 s from
    /proc (process titles name the database): a backend that ends between two samples
    loses at most its last half second. Counts the import's backends too, when one runs."""

    def __init__(self, database: str):
        self.title = f" {database} ".encode()
        self.seen: dict[int, float] = {}
        self.first: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if self.title not in (proc / "cmdline").read_bytes():
                    continue
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(proc.name)
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            self.first.setdefault(pid, cpu)
            self.seen[pid] = cpu

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            self._sample()

    def __enter__(self):
        self._sample()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()

    def seconds(self) -> float:
        return sum(self.seen[pid] - self.first[pid] for pid in self.seen)


def run_phase(base: str, session_id: str, token: str, ids: list[int], args, group: int) -> dict:
    postgres = PostgresCpu(args.database).__enter__()
    by_process_before = server_cpu_by_process(group)
    cpu_before = sum(by_process_before.values())
    client_before = time.process_time()
    load_before = os.getloadavg()[0]
    deadline = time.monotonic() + args.duration
    samples: dict[str, list[float]] = {p: [] for p in PAGES}
    errors: dict[str, list[str]] = {p: [] for p in PAGES}
    stale = {"dashboards": 0, "stale": 0}
    lock = threading.Lock()

    host, port = base.removeprefix("http://").split(":")
    stale_note = STALE_NOTE.encode()

    def client(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        cookie = {"Cookie": f"sessionid={session_id}"}
        turn = number
        while time.monotonic() < deadline:  # bounded: stops at the phase's deadline
            page = PAGES[turn % len(PAGES)]
            turn += 1
            path, headers = {
                "case list": ("/casos/", cookie),
                "case detail": (f"/casos/{rng.choice(ids)}/", cookie),
                "dashboard": ("/estadisticas/", cookie),
                "API list": ("/api/cases", {"Authorization": f"Bearer {token}"}),
            }[page]
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                answer = conn.getresponse()
                body = answer.read()
                seconds = time.perf_counter() - started
                problem = "" if answer.status == 200 else f"HTTP {answer.status}"
                is_stale = page == "dashboard" and stale_note in body
            except (OSError, http.client.HTTPException) as error:
                seconds, problem, is_stale = (
                    time.perf_counter() - started,
                    type(error).__name__,
                    False,
                )
                conn.close()  # a new connection for the next request
            with lock:
                samples[page].append(seconds)
                if problem:
                    errors[page].append(problem)
                if page == "dashboard" and not problem:
                    stale["dashboards"] += 1
                    stale["stale"] += is_stale
            if args.think:
                time.sleep(args.think)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {}
    for page in PAGES:
        times = sorted(samples[page])
        out[page] = {
            "requests": len(times),
            "errors": len(errors[page]),
            "error_kinds": sorted(set(errors[page])),
            "p50_ms": round(1000 * statistics.median(times), 1) if times else None,
            "p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1) if times else None,
            "max_ms": round(1000 * times[-1], 1) if times else None,
        }
    out["dashboard"].update(stale)
    requests_done = sum(len(samples[p]) for p in PAGES)
    by_process = server_cpu_by_process(group)
    cpu = sum(by_process.values()) - cpu_before
    client_cpu = time.process_time() - client_before
    postgres.__exit__()
    out["server"] = {
        "requests_per_s": round(requests_done / args.duration, 1),
        "cpu_s": round(cpu, 1),
        "cpu_ms_per_request": round(1000 * cpu / max(requests_done, 1), 1),
        # A worker process runs Python on one core at a time (the GIL): an uneven split of
        # the clients' keep-alive connections between workers shows here.
        "cpu_s_per_process": sorted(
            (round(v - by_process_before.get(pid, 0.0), 1) for pid, v in by_process.items()),
            reverse=True,
        ),
        "postgres_cpu_s": round(postgres.seconds(), 1),
        "postgres_cpu_ms_per_request": round(1000 * postgres.seconds() / max(requests_done, 1), 1),
        "load_generator_cpu_ms_per_request": round(1000 * client_cpu / max(requests_done, 1), 1),
        "load_average_1min": [load_before, os.getloadavg()[0]],
    }
    return out


def server_cpu_by_process(group: int) -> dict[int, float]:
    """CPU seconds used so far by each of the server's processes (master and workers)."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that just ended
        if int(fields[2]) == group:  # process group id
            ticks = int(fields[11]) + int(fields[12])  # utime + stime
            out[int(stat.parent.name)] = ticks / os.sysconf("SC_CLK_TCK")
    return out


def server_cpu_seconds(group: int) -> float:
    """CPU time used so far by the server's processes (master and workers, one group)."""
    return sum(server_cpu_by_process(group).values())


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit("nanduti serve stopped")
        try:
            requests.get(base + "/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit("nanduti serve did not answer in 60 s")


def machine() -> dict:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((li.split(":", 1)[1].strip() for li in lines if "model name" in li), "?")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    args = parse_args()
    home = Path(tempfile.mkdtemp(prefix="nanduti-bench-serve-"))
    fresh_database(args.admin_url, args.role, args.database)
    env = {
        **os.environ,
        "NANDUTI_HOME": str(home),
        "DATABASE_URL": f"postgres://{args.role}@127.0.0.1:5432/{args.database}",
        "NANDUTI_ENV": "production",
        "NANDUTI_SECRET_KEY": Fernet.generate_key().decode() * 2,
        "NANDUTI_FIELD_KEYS": Fernet.generate_key().decode(),
        "NANDUTI_ALLOWED_HOSTS": "127.0.0.1",
        "NANDUTI_SSL_REDIRECT": "0",  # TLS ends at the reverse proxy, absent on loopback
    }
    env.pop("NANDUTI_TEST_DB_NAME", None)
    # The run's settings (fresh keys included), to look into its database afterwards
    # (EXPLAIN, profiling): `set -a; . <home>/settings.env; set +a`. Readable by its owner only.
    kept = home / "settings.env"
    kept.touch(mode=0o600)
    kept.write_text(
        "".join(
            f"{k}={env[k]}\n" for k in sorted(env) if k.startswith(("NANDUTI_", "DATABASE_URL"))
        )
    )
    result: dict = {
        "machine": machine(),
        "args": vars(args),
        "settings_file": str(kept),
        "setup_s": {},
    }
    setup = result["setup_s"]
    setup["migrate"], _ = nanduti(env, "migrate", "-v", "0")
    setup["load_vocabularies"], _ = nanduti(env, "load-vocabularies", "-v", "0")
    data = home / "cases.csv"
    more = home / "more.csv"
    setup["generate"], _ = nanduti(
        env, "generate-demo", "--cases", str(args.cases), "--seed", "11", "-o", str(data)
    )
    nanduti(
        env, "generate-demo", "--cases", str(args.import_cases), "--seed", "12", "-o", str(more)
    )
    setup["import"], _ = nanduti(env, "import", str(data))
    setup["rebuild_summaries"], _ = nanduti(env, "rebuild-summaries")
    started = time.perf_counter()
    vacuum(env["DATABASE_URL"])
    setup["vacuum"] = time.perf_counter() - started
    _, printed = nanduti(
        env, "shell", "-c", SETUP_USER.format(user=USER, password=PASSWORD), capture=True
    )
    user = json.loads(printed.strip().splitlines()[-1])
    result["user_institution"] = {"code": user["institution"], "cases": user["cases"]}
    if args.cpu_requests:
        result["server CPU per page, in-process"] = cpu_per_page(
            env, user["ids"], args.cpu_requests
        )
    command = ["serve", "--bind", f"127.0.0.1:{args.port}"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.keepalive >= 0:
        command += ["--keepalive", str(args.keepalive)]
    server = subprocess.Popen(
        [sys.executable, "-m", "nanduti", *command],
        env=env,
        stdout=sys.stderr,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_up(base, server)
        session_id = login(base)
        result["one client"] = solo(base, session_id, user["token"], user["ids"])
        result["steady"] = run_phase(base, session_id, user["token"], user["ids"], args, server.pid)
        # The import runs while the clients keep going (pages while it writes, with the
        # summary stale until it is rebuilt); then, once it has finished, the pages right
        # after it, whose kept values the import made stale.
        started = time.perf_counter()
        importing = subprocess.Popen(
            [sys.executable, "-m", "nanduti", "import", str(more)], env=env, stdout=sys.stderr
        )
        result["during import"] = run_phase(
            base, session_id, user["token"], user["ids"], args, server.pid
        )
        importing.wait(timeout=600)
        result["setup_s"]["second_import"] = time.perf_counter() - started
        result["right after import"] = run_phase(
            base, session_id, user["token"], user["ids"], args, server.pid
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    result["machine"]["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
