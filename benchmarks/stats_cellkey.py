"""Cell-key protected cross-tabs of 2 fields over N cases: SQLite (and PostgreSQL) against DuckDB.

    python benchmarks/stats_cellkey.py [--n 1000000] [--backends sqlite,postgres]

For each backend a child process migrates a fresh database and loads N synthetic cases with
``benchmarks/stats_crosstab.py``'s generator and bulk loader (record keys drawn by the
database's column default, as on every write path), then times, wall and CPU (the machine is
shared: CPU time is what the work costs; SQLite runs inside this process, so its CPU counts):

- ``publish.produce(..., privacy="cellkey")`` — counts, record-key sums of every cell and
  margin, perturbation — for year × department (cases), counted live (summary off, as before
  the summary kept key sums) and from the materialised summary after one rebuild; and from the
  summary year × sex (victims) and year × platform (cases, multi-valued);
- the analyst's dashboard page (Django test client; cell-key is an analyst's default) for
  year × department and for district × exploitation (issue 13's slow page: district is not in
  the summary, so it is counted live);
- the floor: DuckDB over the same rows (year, department, record key read back from the
  database), one GROUP BY GROUPING SETS with COUNT and SUM of keys, perturbed by the same
  function.
"""

from __future__ import annotations

from stats_crosstab import (
    analyst_pages,
    fresh_database,
    generate,
    load,
    run_per_backend,
    timed_cpu,
)


def child(backend: str, n: int, workdir: str) -> dict:
    fresh_database(backend, workdir, "bench_cellkey")
    from django.conf import settings
    from django.db import connection

    out = {"backend": backend, "n": n, "load_s": load(generate(n), connection.vendor)}

    from nanduti.stats import cellkey, publish, summary

    def record(name, fn, repeat=3):
        out[name + "_s"], out[name + "_cpu_s"], result = timed_cpu(fn, repeat)
        return result

    def produce(by, unit):
        return publish.produce(by, unit, privacy="cellkey", operator=True)

    settings.NANDUTI_STATS_AUTO_REFRESH = False  # live: straight from the registry tables
    live = record("live_year_department", lambda: produce("year,department", "cases"), 1)
    settings.NANDUTI_STATS_AUTO_REFRESH = True
    state = record("summary_refresh", summary.refresh, 1)
    out["summary_rows"] = state.rows
    fast = record("year_department", lambda: produce("year,department", "cases"))
    assert fast.table.version.get("summary") and not live.table.version.get("summary")
    assert fast.table.cells == live.table.cells and fast.table.margins == live.table.margins
    out["figures"] = len(fast.table.cells) + len(fast.table.margins)
    record("year_sex_victims", lambda: produce("year,sex", "victims"))
    record("year_platform_cases", lambda: produce("year,platform", "cases"))

    page = analyst_pages(must_contain=b"clave de celda")  # cell-key, an analyst's default

    record("page_year_department", lambda: page("/estadisticas/?rows=year&cols=department"))
    record(
        "page_district_exploitation",
        lambda: page("/estadisticas/?rows=district&cols=exploitation"),
        1,
    )

    # DuckDB floor over the same rows, keys included.
    import duckdb
    import pyarrow as pa

    with connection.cursor() as cur:
        cur.execute("SELECT year, department, record_key FROM registry_case")
        rows = cur.fetchall()
    year, department, key = zip(*rows, strict=True)
    con = duckdb.connect()
    con.register(
        "cases",
        pa.table({"year": list(year), "department": list(department), "record_key": list(key)}),
    )
    sql = (
        "SELECT year, department, COUNT(*), SUM(record_key) FROM cases "
        "GROUP BY GROUPING SETS ((year, department), (year), (department), ())"
    )

    def floor():
        return {(y, d): cellkey.perturbed(c, int(k)) for y, d, c, k in con.execute(sql).fetchall()}

    figures = record("duckdb_year_department", floor)
    out["duckdb_figures"] = len(figures)
    out["ratio_to_duckdb"] = out["year_department_s"] / out["duckdb_year_department_s"]
    out["cpu_ratio_to_duckdb"] = out["year_department_cpu_s"] / out["duckdb_year_department_cpu_s"]
    return out


def main() -> None:
    run_per_backend(__file__, child, "sqlite")


if __name__ == "__main__":
    main()
