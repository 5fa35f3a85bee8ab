"""Cross-tab speed over N synthetic cases in SQLite and PostgreSQL, with DuckDB as the floor.

    python benchmarks/stats_crosstab.py [--n 1000000] [--backends sqlite,postgres]

For each backend a child process migrates a fresh database, loads N cases (with victims and
technology uses) by the fastest bulk path of that database (executemany in one transaction
for SQLite, COPY for PostgreSQL), then times through ``nanduti.stats``:

- two-field cross-tab: year × sex (victims, additive) and year × sex (cases: sex is
  multi-valued per case, so distinct counts and directly counted margins);
- four-field cross-tab: department × platform × age_band × year (cases);
- the dashboard page (Django test client, analyst, default year × sex) and the public page.

The same data are written to Parquet and the same GROUP BYs run in DuckDB as the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nanduti.taxonomy import vocab

DEPTS = [t.code for t in vocab.get("department")]
# Technology category from the taxonomy, so the benchmark data agree with the vocabulary.
PLATFORMS = [
    (code, vocab.get("platform").get(code).parent)
    for code in (
        "facebook",
        "whatsapp",
        "instagram",
        "tiktok",
        "telegram",
        "discord",
        "free_fire",
        "tinder",
        "onlyfans",
        "uber",
    )
]
DISTRICTS = {d: [t.code for t in vocab.get("district") if t.parent == d] for d in DEPTS}
EXPLOITATIONS = ["sexual", "labour", "esnna", "online_sexual", "criadazgo", "forced_begging"]
SEXES = ["female", "male", ""]
BANDS = ["0_11", "12_14", "15_17", "18_24", "25_34", "35_plus", ""]
PG_URL = "postgres://postgres@127.0.0.1:5432/"


def generate(n: int, seed: int = 1) -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    case_id = np.arange(1, n + 1)
    cases = {
        "id": case_id,
        "year": rng.integers(2015, 2025, n),
        "department": rng.choice(len(DEPTS), n, p=_weights(len(DEPTS), rng)),
        "institution_id": rng.integers(1, 6, n),
    }
    nv = rng.choice([1, 2, 3], n, p=[0.8, 0.15, 0.05])
    v_case = np.repeat(case_id, nv)
    victims = {
        "id": np.arange(1, len(v_case) + 1),
        "case_id": v_case,
        "ref": np.arange(len(v_case)) - np.repeat(np.cumsum(nv) - nv, nv) + 1,
        "sex": rng.choice(3, len(v_case), p=[0.7, 0.28, 0.02]),
        "age_band": rng.choice(len(BANDS), len(v_case), p=[0.1, 0.2, 0.3, 0.2, 0.1, 0.05, 0.05]),
    }
    nt = rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2])
    t_case = np.repeat(case_id, nt)
    techs = {
        "id": np.arange(1, len(t_case) + 1),
        "case_id": t_case,
        "platform": rng.choice(len(PLATFORMS), len(t_case), p=_weights(len(PLATFORMS), rng)),
    }
    # A district of the case's department (the first when the vocabulary has none for it).
    pick = rng.random(n)
    cases["district"] = [
        (DISTRICTS[DEPTS[d]] or [""])[int(u * len(DISTRICTS[DEPTS[d]] or [""]))]
        for d, u in zip(cases["department"].tolist(), pick.tolist(), strict=True)
    ]
    ne = rng.choice([0, 1, 2], n, p=[0.3, 0.55, 0.15])
    e_case = np.repeat(case_id, ne)
    exploits = {
        "id": np.arange(1, len(e_case) + 1),
        "case_id": e_case,
        "type": rng.choice(len(EXPLOITATIONS), len(e_case), p=_weights(len(EXPLOITATIONS), rng)),
    }
    return {"cases": cases, "victims": victims, "techs": techs, "exploits": exploits}


def _weights(k: int, rng) -> np.ndarray:
    w = rng.pareto(1.5, k) + 0.2
    return w / w.sum()


# ---------------------------------------------------------------- child: one database backend


def _rows(model, columns: dict[str, list]):
    """Rows for every concrete column of ``model``: given values, else the field default."""
    from django.utils import timezone

    now = timezone.now()
    # Record keys are drawn by the database (column default), as in every write path.
    fields = [f for f in model._meta.concrete_fields if not f.has_db_default()]
    names = [f.column for f in fields]
    n = len(next(iter(columns.values())))
    cols = []
    for f in fields:
        if f.column in columns:
            cols.append(columns[f.column])
        elif f.get_internal_type() == "DateTimeField":
            cols.append([now] * n)
        elif f.get_internal_type() == "JSONField":
            cols.append(["[]"] * n)
        else:
            default = f.get_default()
            cols.append([default] * n)
    return names, list(zip(*cols, strict=True))


def load(data, vendor: str) -> float:
    from django.db import connection, transaction

    from nanduti.registry.models import (
        Case,
        Exploitation,
        Institution,
        Perpetrator,
        TechnologyUse,
        Victim,
    )

    t0 = time.perf_counter()
    for i in range(1, 6):
        Institution.objects.create(id=i, code=f"inst{i}", name=f"Institución {i}")
    c, v, t, e = data["cases"], data["victims"], data["techs"], data["exploits"]
    tables = [
        (
            Case,
            {
                "id": c["id"].tolist(),
                "institution_id": c["institution_id"].tolist(),
                "reference": [f"B-{i}" for i in c["id"].tolist()],
                "year": c["year"].tolist(),
                "department": [DEPTS[d] for d in c["department"].tolist()],
                "district": c["district"],
                "source": ["demo"] * len(c["id"]),
                "synthetic": [True] * len(c["id"]),
            },
        ),
        (
            Victim,
            {
                "id": v["id"].tolist(),
                "case_id": v["case_id"].tolist(),
                "reference": [str(r) for r in v["ref"].tolist()],
                "sex": [SEXES[s] for s in v["sex"].tolist()],
                "age_band": [BANDS[b] for b in v["age_band"].tolist()],
            },
        ),
        (
            TechnologyUse,
            {
                "id": t["id"].tolist(),
                "case_id": t["case_id"].tolist(),
                "platform": [PLATFORMS[p][0] for p in t["platform"].tolist()],
                "technology": [PLATFORMS[p][1] for p in t["platform"].tolist()],
                "phase": ["recruitment"] * len(t["id"]),
            },
        ),
        (
            Exploitation,
            {
                "id": e["id"].tolist(),
                "case_id": e["case_id"].tolist(),
                "type": [EXPLOITATIONS[x] for x in e["type"].tolist()],
            },
        ),
    ]
    # Further columns some benchmarks fill (``stats_pairs.py``: every field the page offers).
    extra = data.get("extra", {})
    for model, columns in tables:
        columns.update(extra.get(model._meta.model_name, {}))
    if "perpetrator" in extra:
        tables.append((Perpetrator, extra["perpetrator"]))
    with transaction.atomic(), connection.cursor() as cur:
        for model, columns in tables:
            names, rows = _rows(model, columns)
            table = model._meta.db_table
            if vendor == "postgresql":
                raw = cur.cursor if hasattr(cur, "cursor") else cur
                with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                cur.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return time.perf_counter() - t0


def timed_cpu(fn, repeat: int = 1) -> tuple[float, float, object]:
    """Best wall time of ``repeat`` runs, that run's CPU time, and its result."""
    best = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if best is None or wall < best[0]:
            best = (wall, cpu, out)
    assert best is not None
    return best


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return best, out


def fresh_database(backend: str, workdir: str, name: str) -> None:
    """A new, migrated database for this process (SQLite under ``workdir``)."""
    os.environ["NANDUTI_HOME"] = workdir
    if backend == "postgres":
        import psycopg

        with psycopg.connect(PG_URL + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = PG_URL + name
    os.environ["DJANGO_SETTINGS_MODULE"] = "nanduti.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def analyst_pages(must_contain: bytes = b""):
    """A function that gets a page as a logged-in analyst (Django test client) and checks it
    answered 200 (with ``must_contain``)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from nanduti.registry.models import Membership

    settings.ALLOWED_HOSTS = ["testserver"]
    setup_test_environment()
    user = get_user_model().objects.create_user("bench", password="x")
    Membership.objects.create(user=user, role="analyst")
    client = Client()
    client.force_login(user)

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert must_contain in response.content
        return response

    return page


def child(backend: str, n: int, workdir: str) -> dict:
    fresh_database(backend, workdir, "bench_stats")
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    data = generate(n)
    out = {"backend": backend, "n": n, "load_s": load(data, connection.vendor)}
    out["victims"] = int(len(data["victims"]["id"]))
    out["technology_uses"] = int(len(data["techs"]["id"]))

    from nanduti.stats import crosstab, fields, publish, summary

    out["data_version_s"], _ = timed(crosstab.data_version)
    # Live: every count straight from the registry tables (summary switched off).
    settings.NANDUTI_STATS_AUTO_REFRESH = False
    out["two_field_victims_live_s"], t = timed(lambda: crosstab.run("year,sex", unit="victims"))
    assert not t.version.get("summary")
    out["two_field_victims_total"] = t.total
    out["two_field_cases_live_s"], _ = timed(lambda: crosstab.run("year,sex", unit="cases"))
    four = fields.parse_fields("department,platform,age_band,year")
    qs = crosstab.base_queryset("cases", [])
    paths = [crosstab._path_for_unit(f, "cases") for f in four]
    out["four_field_groupby_s"], cells = timed(lambda: crosstab._group(qs, paths, True), repeat=1)
    out["four_field_cells"] = len(cells)
    out["four_field_with_margins_s"], _ = timed(
        lambda: crosstab.build(four, unit="cases"), repeat=1
    )
    # With the materialised summary, rebuilt once as after an import.
    settings.NANDUTI_STATS_AUTO_REFRESH = True
    out["summary_refresh_s"], state = timed(summary.refresh, repeat=1)
    out["summary_rows"] = state.rows
    out["two_field_victims_s"], t = timed(lambda: crosstab.run("year,sex", unit="victims"))
    assert t.version.get("summary")
    out["two_field_cases_s"], _ = timed(lambda: crosstab.run("year,sex", unit="cases"))
    out["two_field_suppress_s"], _ = timed(
        lambda: publish.produce("year,sex", unit="victims", privacy="suppress", operator=True)
    )

    page = analyst_pages()

    out["dashboard_s"], _ = timed(lambda: page("/estadisticas/"))
    out["dashboard_department_s"], _ = timed(
        lambda: page("/estadisticas/?rows=department&cols=year&count=victims")
    )
    out["public_page_first_s"], _ = timed(lambda: page("/estadisticas/publico/"), repeat=1)
    out["public_page_s"], _ = timed(lambda: page("/estadisticas/publico/"))
    return out


# ---------------------------------------------------------------- DuckDB floor


def duckdb_floor(n: int, workdir: str) -> dict:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = generate(n)
    c, v, t = data["cases"], data["victims"], data["techs"]
    paths = {}
    tables = {
        "cases": {
            "id": c["id"],
            "year": c["year"],
            "department": np.array(DEPTS, dtype=object)[c["department"]],
        },
        "victims": {
            "id": v["id"],
            "case_id": v["case_id"],
            "sex": np.array(SEXES, dtype=object)[v["sex"]],
            "age_band": np.array(BANDS, dtype=object)[v["age_band"]],
        },
        "techs": {
            "id": t["id"],
            "case_id": t["case_id"],
            "platform": np.array([p for p, _ in PLATFORMS], dtype=object)[t["platform"]],
        },
    }
    for name, cols in tables.items():
        paths[name] = os.path.join(workdir, f"{name}.parquet")
        pq.write_table(
            pa.table({k: pa.array(list(a) if a.dtype == object else a) for k, a in cols.items()}),
            paths[name],
        )
    con = duckdb.connect()
    for name, path in paths.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    two_victims = (
        "SELECT c.year, v.sex, COUNT(*) FROM victims v JOIN cases c ON c.id = v.case_id "
        "GROUP BY 1, 2"
    )
    two_cases = (
        "SELECT c.year, v.sex, COUNT(DISTINCT c.id) FROM cases c LEFT JOIN victims v "
        "ON v.case_id = c.id GROUP BY 1, 2"
    )
    four = (
        "SELECT c.department, t.platform, v.age_band, c.year, COUNT(DISTINCT c.id) "
        "FROM cases c LEFT JOIN techs t ON t.case_id = c.id "
        "LEFT JOIN victims v ON v.case_id = c.id GROUP BY 1, 2, 3, 4"
    )
    out = {"backend": "duckdb", "n": n}
    for key, sql in (
        ("two_field_victims_live_s", two_victims),
        ("two_field_cases_live_s", two_cases),
        ("four_field_groupby_s", four),
    ):
        out[key], _ = timed(lambda sql=sql: con.execute(sql).fetchall())
    return out


def run_per_backend(script: str, measure, backends: str) -> tuple[argparse.Namespace, list[dict]]:
    """Each backend measured by ``measure(backend, n, workdir)`` in a child process of
    ``script`` (a fresh Django set-up per database); the children's results, printed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--backends", default=backends)
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        workdir = tempfile.mkdtemp(prefix="bench_stats_")
        print(json.dumps(measure(args.child, args.n, workdir)))
        sys.exit(0)
    results = []
    for backend in args.backends.split(","):
        proc = subprocess.run(
            [sys.executable, script, "--child", backend, "--n", str(args.n)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    return args, results


def main() -> None:
    args, results = run_per_backend(__file__, child, "sqlite,postgres")
    with tempfile.TemporaryDirectory() as workdir:
        floor = duckdb_floor(args.n, workdir)
    print(json.dumps(floor), flush=True)
    print()
    keys = [
        "load_s",
        "data_version_s",
        "two_field_victims_live_s",
        "two_field_cases_live_s",
        "four_field_groupby_s",
        "four_field_with_margins_s",
        "summary_refresh_s",
        "two_field_victims_s",
        "two_field_cases_s",
        "two_field_suppress_s",
        "dashboard_s",
        "dashboard_department_s",
        "public_page_first_s",
        "public_page_s",
    ]
    print("| measure | " + " | ".join(r["backend"] for r in [*results, floor]) + " |")
    print("| --- |" + " --- |" * (len(results) + 1))
    for key in keys:
        cells = [f"{r[key]:.3f}" if key in r else "" for r in [*results, floor]]
        print(f"| {key} | " + " | ".join(cells) + " |")
    Path("/tmp/bench_stats_results.json").write_text(json.dumps([*results, floor], indent=1))


if __name__ == "__main__":
    main()
