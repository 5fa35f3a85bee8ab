"""Official figures: reconciliation page, SDMX-CSV export and re-import over the demo.

    python benchmarks/figures_reconcile.py [--cases 2000] [--repeat 3]

A child process sets up the demo (``nanduti demo --no-serve``: N synthetic cases and the
shipped series) in a fresh SQLite file, then times: ``reconcile`` over every current series
(exact and public, i.e. with disclosure control), the public page through Django's test
client, the SDMX-CSV export and its re-import (unchanged). Prints JSON.
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


def child(cases: int, repeat: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from nanduti.figures import files, reconcile, store

    with open(os.devnull, "w") as quiet:
        call_command("demo", no_serve=True, cases=cases, verbosity=0, stdout=quiet)
    series = store.current()
    out = {"cases": cases, "series": len(series)}
    out["observations"] = sum(len(s.observations.all()) for s in series)

    def best(fn) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return round(min(times), 3)

    out["reconcile_exact_s"] = best(lambda: [reconcile.reconcile(s) for s in series])
    out["reconcile_public_s"] = best(lambda: [reconcile.reconcile(s, public=True) for s in series])
    client = Client()
    out["public_page_s"] = best(lambda: client.get("/cifras-oficiales/"))
    with CaptureQueriesContext(connection) as queries:
        client.get("/cifras-oficiales/")
    out["public_page_queries"] = len(queries)
    text = files.write_sdmx(series)
    out["sdmx_export_s"] = best(lambda: files.write_sdmx(series))
    out["sdmx_bytes"] = len(text.encode())
    out["sdmx_reimport_s"] = best(lambda: store.import_file("x.csv", text.encode()))
    out["reimport_unchanged"] = len(store.import_file("x.csv", text.encode()).unchanged)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.cases, args.repeat)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="nanduti.settings",
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            NANDUTI_HOME=tmp,
        )
        cmd = [sys.executable, __file__, "--child", f"--cases={args.cases}"]
        cmd.append(f"--repeat={args.repeat}")
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode:
            sys.exit(result.stderr[-3000:])
        print(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
