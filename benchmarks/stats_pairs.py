"""Every 2-field cross-tab an analyst can ask for, cell-key protected, over N cases.

    python benchmarks/stats_pairs.py [--n 1000000] [--backends sqlite,postgres]

For each backend a child process migrates a fresh database (PostgreSQL: owned by and used as
the role ``nanduti_bench``, not a superuser) and loads N synthetic cases with the generator
and bulk loader of ``stats_crosstab.py``, with every field the stats page offers filled
(``extend``: district, modality, lure, settings, countries, legal status, nationality,
recruiter relation, phase, perpetrators, and a CTDC record for 30 % of victims). Then:

1. the rebuild that follows an import, timed in parts (wall and CPU): the columnar snapshot
   (``stats.snapshot.build``) and the summary (``stats.summary.refresh``);
2. ``publish.produce(by, unit, privacy="cellkey")`` — what the analyst's page computes —
   for **every pair** of the 24 page fields other than the CTDC variables (276 pairs) and
   for every CTDC variable paired with district and with platform (the widest case field and
   a multi-valued one; all CTDC variables are read the same way, from the victim's JSON),
   each for cases and for victims: 840 tables, one run each;
3. the 10 slowest again, best of 3, and the 3 slowest through the analyst's dashboard page
   (Django test client);
4. that the snapshot's perturbed figures equal the live count's for the slowest pair.

Prints one JSON line per backend and a table; the bar is the slowest page ≤ 1 s.
"""

from __future__ import annotations

import json
import os
import resource
from itertools import combinations

import numpy as np
from import_cases import BENCH_ROLE, database_role, fresh_postgres
from stats_crosstab import analyst_pages, generate, load, run_per_backend, timed_cpu

from nanduti.taxonomy import vocab

CTDC_SHARE = 0.3


def codes(name: str, k: int | None = None) -> list[str]:
    found = [t.code for t in vocab.get(name).terms]
    return found[:k] if k else found


def extend(data: dict, seed: int = 2) -> dict:
    """Values for every other field the page offers (skewed, with blanks)."""
    rng = np.random.default_rng(seed)
    n, nv = len(data["cases"]["id"]), len(data["victims"]["id"])
    nt = len(data["techs"]["id"])

    def pick(values: list[str], size: int) -> list[str]:
        values = [*values, ""]
        w = rng.pareto(1.5, len(values)) + 0.2
        return [values[i] for i in rng.choice(len(values), size, p=w / w.sum()).tolist()]

    countries = codes("country", 40)
    case = {
        name: pick(codes(vocab_name), n)
        for name, vocab_name in (
            ("modality", "modality"),
            ("lure", "lure"),
            ("exploitation_setting", "exploitation_setting"),
            ("transfer_type", "transfer_type"),
            ("legal_status", "legal_status"),
        )
    }
    case["destination_country"] = pick(countries, n)
    case["exploitation_country"] = pick(countries, n)
    victim = {
        "nationality": pick(countries, nv),
        "recruiter_relation": pick(codes("recruiter_relation"), nv),
        "age_band_ctdc": pick(codes("age_band_ctdc"), nv),
    }
    flags = ["1", "0", "-99"]
    has = rng.random(nv) < CTDC_SHARE
    gender, citizen = pick(["Female", "Male"], nv), pick(["PY", "AR", "BR", "BO"], nv)
    victim["ctdc"] = [
        json.dumps(
            {
                "gender": g,
                "citizenship": c,
                "isForcedLabour": flags[i % 3],
                "isSexualExploit": flags[(i // 3) % 3],
                "meansOfControlThreats": flags[(i // 9) % 3],
                "typeOfLabourAgriculture": flags[(i // 27) % 3],
                "recruiterRelationFamily": flags[(i // 81) % 3],
            }
        )
        if h
        else "{}"
        for i, (h, g, c) in enumerate(zip(has.tolist(), gender, citizen, strict=True))
    ]
    npp = rng.choice([0, 1, 2], n, p=[0.5, 0.35, 0.15])
    p_case = np.repeat(data["cases"]["id"], npp)
    perpetrator = {
        "id": np.arange(1, len(p_case) + 1).tolist(),
        "case_id": p_case.tolist(),
        "role": pick(codes("perpetrator_role"), len(p_case)),
        "sex": pick(["female", "male"], len(p_case)),
    }
    data["extra"] = {
        "case": case,
        "victim": victim,
        "technologyuse": {"phase": pick(codes("phase"), nt)},
        "perpetrator": perpetrator,
    }
    return data


def fresh(backend: str, workdir: str) -> None:
    os.environ["NANDUTI_HOME"] = workdir
    os.environ["NANDUTI_SUMMARY_REBUILD"] = "off"  # rebuilt here, timed
    if backend == "postgres":
        # BENCH_PAIRS_DB: another name lets two runs share the server.
        os.environ["DATABASE_URL"] = fresh_postgres(os.environ.get("BENCH_PAIRS_DB", "bench_pairs"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "nanduti.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def tables() -> list[tuple[str, str]]:
    from nanduti.stats import fields as F

    page = [f.name for f in F.FIELDS.values() if f.kind != "ctdc"]
    ctdc = [f.name for f in F.FIELDS.values() if f.kind == "ctdc"]
    pairs = [",".join(p) for p in combinations(page, 2)]
    pairs += [f"district,{c}" for c in ctdc] + [f"platform,{c}" for c in ctdc]
    return [(by, unit) for by in pairs for unit in ("cases", "victims")]


def child(backend: str, n: int, workdir: str) -> dict:
    fresh(backend, workdir)
    from django.conf import settings
    from django.db import connection

    out: dict = {"backend": backend, "n": n, "role": database_role(connection)}
    out["load_s"] = load(extend(generate(n)), connection.vendor)
    out["load_avg_start"] = os.getloadavg()

    from nanduti.stats import publish, snapshot, summary

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out["snapshot_build_s"], out["snapshot_build_cpu_s"], state = timed_cpu(snapshot.build)
    out["snapshot_rows"], out["snapshot_mib"] = state.rows, state.size / 2**20
    out["summary_refresh_s"], out["summary_refresh_cpu_s"], _ = timed_cpu(summary.refresh)
    out["peak_rss_growth_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024

    def produce(by, unit):
        return publish.produce(by, unit, privacy="cellkey", operator=True)

    runs = []
    for by, unit in tables():
        wall, cpu, result = timed_cpu(lambda by=by, unit=unit: produce(by, unit))
        v = result.table.version
        path = "summary" if v.get("summary") else "snapshot" if v.get("snapshot") else "live"
        runs.append({"by": by, "unit": unit, "s": wall, "cpu_s": cpu, "path": path})
    out["tables"] = len(runs)
    out["paths"] = {p: sum(r["path"] == p for r in runs) for p in ("summary", "snapshot", "live")}
    out["median_s"] = float(np.median([r["s"] for r in runs]))
    runs.sort(key=lambda r: -r["s"])
    out["slowest_one_run"] = runs[:10]
    again = []
    for r in runs[:10]:
        wall, cpu, _ = timed_cpu(lambda r=r: produce(r["by"], r["unit"]), repeat=3)
        again.append({**r, "s": wall, "cpu_s": cpu})
    out["slowest_best_of_3"] = sorted(again, key=lambda r: -r["s"])
    page = analyst_pages(must_contain=b"clave de celda")
    pages = []
    for r in out["slowest_best_of_3"][:3]:
        rows, cols = r["by"].split(",")
        url = f"/estadisticas/?rows={rows}&cols={cols}&count={r['unit']}"
        wall, cpu, _ = timed_cpu(lambda url=url: page(url), repeat=3)
        pages.append({"url": url, "s": wall, "cpu_s": cpu})
    out["slowest_pages"] = pages
    worst = out["slowest_best_of_3"][0]
    fast = produce(worst["by"], worst["unit"])
    settings.NANDUTI_STATS_AUTO_REFRESH = False
    out["live_worst_s"], out["live_worst_cpu_s"], live = timed_cpu(
        lambda: produce(worst["by"], worst["unit"])
    )
    out["worst_equals_live"] = (
        fast.table.cells == live.table.cells and fast.table.margins == live.table.margins
    )
    out["load_avg_end"] = os.getloadavg()
    return out


def main() -> None:
    args, results = run_per_backend(__file__, child, "sqlite,postgres")
    print()
    print(f"N = {args.n:,}; PostgreSQL role: {BENCH_ROLE}")
    print("| measure | " + " | ".join(r["backend"] for r in results) + " |")
    print("| --- |" + " ---: |" * len(results))
    for key in (
        "load_s",
        "snapshot_build_s",
        "snapshot_build_cpu_s",
        "snapshot_mib",
        "summary_refresh_s",
        "summary_refresh_cpu_s",
        "tables",
        "median_s",
        "live_worst_s",
        "live_worst_cpu_s",
    ):
        print(f"| {key} | " + " | ".join(f"{r.get(key, 0):.3f}" for r in results) + " |")
    for r in results:
        slow = r["slowest_best_of_3"][0]
        pg = max(r["slowest_pages"], key=lambda p: p["s"])
        print(
            f"{r['backend']}: slowest table {slow['by']} ({slow['unit']}, {slow['path']}) "
            f"{slow['s']:.3f} s wall / {slow['cpu_s']:.3f} s CPU; slowest page {pg['url']} "
            f"{pg['s']:.3f} s / {pg['cpu_s']:.3f} s CPU; equals live: {r['worst_equals_live']}; "
            f"paths {r['paths']}; load {r['load_avg_start']} → {r['load_avg_end']}"
        )


if __name__ == "__main__":
    main()
