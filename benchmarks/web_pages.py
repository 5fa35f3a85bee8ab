"""Time the case list (plain and filtered) and a case detail over N generated cases.

    python benchmarks/web_pages.py [--n 100000] [--repeat 15] [--database-url URL]

Without ``--database-url`` a fresh SQLite file in a temporary folder is used. With it, the
database must be empty and disposable: the benchmark migrates it and fills it.
Cases are written with ``bulk_create`` (no audit events: this measures reading pages).
Prints the median time of each page in milliseconds and the number of SQL queries.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="cases to generate")
    parser.add_argument("--repeat", type=int, default=15, help="requests per page")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sql", action="store_true", help="print each page's SQL and time")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    parser.add_argument(
        "--reuse", action="store_true", help="with --database-url: use the cases already there"
    )
    return parser.parse_args()


def setup_django(database_url: str) -> str:
    home = tempfile.mkdtemp(prefix="nanduti-bench-web-")
    os.environ["NANDUTI_HOME"] = home
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return home


PLATFORMS = ["facebook", "whatsapp", "instagram", "tiktok", "telegram", "discord", "free_fire"]
DEPARTMENTS = ["asuncion", "central", "alto_parana", "itapua", "caaguazu", "amambay"]
EXPLOITATION = ["sexual", "labour", "online_sexual", "criadazgo"]


def generate(n: int, seed: int):
    """N cases of one institution (plus 10% of another), each with victim, tech, type."""
    from django.contrib.auth import get_user_model

    from nanduti.registry.models import (
        Case,
        Exploitation,
        Institution,
        Membership,
        TechnologyUse,
        Victim,
    )

    rng = random.Random(seed)
    own = Institution.objects.create(code="UFETESI", name="UFETESI")
    other = Institution.objects.create(code="MINNA", name="MINNA")
    user = get_user_model().objects.create_user("bench", password="bench-password-123")
    Membership.objects.create(user=user, institution=own, role="officer")
    batch = 5000
    made = 0
    while made < n:
        size = min(batch, n - made)
        cases = Case.objects.bulk_create(
            [
                Case(
                    institution=own if rng.random() < 0.9 else other,
                    reference=f"B-{made + i:08d}",
                    year=rng.randint(2019, 2025),
                    department=rng.choice(DEPARTMENTS),
                    legal_status=rng.choice(["investigation", "charged", "closed", ""]),
                    summary=f"caso generado número {made + i}",
                )
                for i in range(size)
            ],
            batch_size=batch,
        )
        if cases[0].pk is None:  # backends that do not return ids (none of ours, but safe)
            cases = list(Case.objects.order_by("-id")[:size])
        Victim.objects.bulk_create(
            [
                Victim(case=c, sex=rng.choice(["female", "male"]), age=rng.randint(8, 40))
                for c in cases
            ],
            batch_size=batch,
        )
        TechnologyUse.objects.bulk_create(
            [
                TechnologyUse(case=c, phase="recruitment", platform=rng.choice(PLATFORMS))
                for c in cases
            ],
            batch_size=batch,
        )
        Exploitation.objects.bulk_create(
            [Exploitation(case=c, type=rng.choice(EXPLOITATION)) for c in cases],
            batch_size=batch,
        )
        made += size
    return user


class QueryLog:
    """Counts (and times) the SQL statements of one request."""

    def __init__(self):
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(((time.perf_counter() - start) * 1000, sql))


def refresh_statistics() -> float:
    """What a deployment does after a bulk load: let the query planner see the new rows."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("case", "victim", "technologyuse", "exploitation"):
                cursor.execute(f"VACUUM ANALYZE registry_{table}")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - start


def time_page(client, url: str, repeat: int, verbose: bool = False) -> tuple[float, int]:
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if verbose:
        for ms, sql in log.statements:
            print(f"    {ms:8.1f} ms  {sql[:160]}")
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(timings), len(log.statements)


def main() -> int:
    args = parse_args()
    home = setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from nanduti.registry.models import Case

    start = time.perf_counter()
    existing = get_user_model().objects.filter(username="bench").first()
    if args.reuse and existing is not None:
        user = existing
        args.n = Case.objects.count()
    else:
        user = generate(args.n, args.seed)
    generated = time.perf_counter() - start
    analysed = refresh_statistics()
    client = Client()
    client.force_login(user)
    some_case = Case.objects.filter(institution__code="UFETESI").order_by("id")[args.n // 3]
    pages = {
        "list (first page)": "/casos/",
        "list, platform=tiktok": "/casos/?platform=tiktok",
        "list, department+year": "/casos/?department=itapua&year=2023",
        "list, sex+exploitation": "/casos/?sex=female&exploitation_type=labour",
        "list, search exact ref": "/casos/?q=B-00000123",
        "list, search summary text": "/casos/?q=n%C3%BAmero+12345",
        "list, page 100": "/casos/?pagina=100",
        "case detail": f"/casos/{some_case.pk}/",
    }
    print(
        f"backend: {connection.vendor}; cases: {args.n:,} (generated in {generated:.1f} s, "
        f"ANALYZE {analysed:.1f} s)",
        flush=True,
    )
    print(f"{'page':28} {'median ms':>10} {'queries':>8}")
    for name, url in pages.items():
        median, queries = time_page(client, url, args.repeat, args.sql)
        print(f"{name:28} {median:10.1f} {queries:8d}", flush=True)
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
