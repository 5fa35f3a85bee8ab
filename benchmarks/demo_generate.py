"""Speed of the synthetic demo generator: rows per second to a CSV file.

    python benchmarks/demo_generate.py [--n CASES] [--seed S] [--workers W] [-o FILE]

Generates N case records (≈ 1.2 rows each: one row per victim) with
``nanduti.demo`` and writes them as CSV like ``nanduti generate-demo -o FILE``
(blocks of 20,000 cases in parallel, one process per CPU; ``--workers 1``: one process);
prints rows, seconds, rows/s, MB written and peak memory. Target: ≥ 50,000 rows/s.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from nanduti import demo  # noqa: E402

TARGET = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="case records (default 1M)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("-o", "--output", help="CSV file (default: a temporary file, removed)")
    parser.add_argument(
        "--workers", type=int, default=0, help="processes (default: one per CPU; 1 = serial)"
    )
    args = parser.parse_args()

    demo.build_plan()  # profile and vocabularies: read once, not part of the rate
    target = Path(args.output) if args.output else Path(tempfile.mkstemp(suffix=".csv")[1])
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        if args.workers == 1:
            # One process, the path of `write_csv(generate_rows(...))`: CPU time is meaningful.
            with open(target, "w", encoding="utf-8", newline="") as fh:
                rows = demo.write_csv(demo.generate_rows(args.n, args.seed), fh)
        else:
            rows = demo.write_csv_file(target, args.n, args.seed, workers=args.workers or None)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = target.stat().st_size
    finally:
        if not args.output:
            os.unlink(target)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = args.workers or os.cpu_count()
    print(f"cases            {args.n:>12,}")
    print(f"rows             {rows:>12,}")
    print(f"processes        {workers:>12}")
    print(f"seconds (wall)   {wall:>12.2f}")
    print(f"rows/s (wall)    {rows / wall:>12,.0f}")
    if workers == 1:
        print(f"rows/s (CPU)     {rows / cpu:>12,.0f}")
    print(f"MB written       {size / 1e6:>12.1f}")
    print(f"peak memory MB   {peak_mb:>12.0f}  (this process)")
    print(f"load average     {os.getloadavg()[0]:>12.2f}  (other work on the machine)")
    verdict = "ok" if rows / wall >= TARGET else "BELOW TARGET"
    print(f"target ≥ {TARGET:,} rows/s: {verdict}")


if __name__ == "__main__":
    main()
