"""Cell-key protected cross-tab of 2 fields over N cases: SQLite (and PostgreSQL) against DuckDB.

    python benchmarks/stats_cellkey.py [--n 1000000] [--backends sqlite,postgres]

For each backend a child process migrates a fresh database and loads N synthetic cases with
``benchmarks/stats_crosstab.py``'s generator and bulk loader (record keys drawn by the
database's column default, as on every write path), then times
``publish.produce(..., privacy="cellkey")`` — counting, record-key sums of every cell and
margin, perturbation — for year × department (cases) and year × sex (victims). The floor is
DuckDB over the same rows (year, department, record key read back from the database): one
GROUP BY GROUPING SETS with COUNT and SUM of keys, perturbed by the same function.
"""

from __future__ import annotations

from stats_crosstab import fresh_database, generate, load, run_per_backend, timed


def child(backend: str, n: int, workdir: str) -> dict:
    fresh_database(backend, workdir, "bench_cellkey")
    from django.db import connection

    out = {"backend": backend, "n": n, "load_s": load(generate(n), connection.vendor)}

    from nanduti.stats import cellkey, publish

    def produce(by, unit):
        return publish.produce(by, unit, privacy="cellkey", operator=True)

    out["cellkey_year_department_cases_s"], result = timed(
        lambda: produce("year,department", "cases")
    )
    out["figures"] = len(result.table.cells) + len(result.table.margins)
    out["cellkey_year_sex_victims_s"], _ = timed(lambda: produce("year,sex", "victims"))
    out["exact_year_department_cases_s"], _ = timed(
        lambda: publish.produce("year,department", "cases", privacy="none", operator=True)
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

    out["duckdb_year_department_cases_s"], figures = timed(floor)
    out["duckdb_figures"] = len(figures)
    out["ratio_to_duckdb"] = (
        out["cellkey_year_department_cases_s"] / out["duckdb_year_department_cases_s"]
    )
    return out


def main() -> None:
    run_per_backend(__file__, child, "sqlite")


if __name__ == "__main__":
    main()
