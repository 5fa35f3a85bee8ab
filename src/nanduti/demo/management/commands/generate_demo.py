"""``nanduti generate-demo --cases N --seed S [-o FILE.csv] [--load] [--institution …]``.

Writes the synthetic demo data set (``nanduti.demo``) as CSV in the flat case-row format,
to a file or to standard output, and with ``--load`` imports it through the importer.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nanduti import demo


class Command(BaseCommand):
    help = (
        "Genera casos sintéticos de demostración (CSV) / "
        "generates synthetic demo cases (CSV in the case-row format)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=2000, help="case records (default 2000)")
        parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
        parser.add_argument("--rows", type=int, help="stop after this many rows (victims)")
        parser.add_argument("-o", "--output", help="CSV file to write (default: stdout)")
        parser.add_argument(
            "--institution",
            action="append",
            help="only this institution's records (repeatable); "
            f"one of {', '.join(demo.institution_codes())}",
        )
        parser.add_argument(
            "--load", action="store_true", help="import the rows into the database too"
        )

    def handle(self, *args, cases, seed, rows, output, institution, load, **options):
        if cases < 0 or (rows is not None and rows < 0):
            raise CommandError("--cases y --rows deben ser ≥ 0 / must be ≥ 0")
        try:
            generated = demo.generate_rows(cases, seed, institution, max_rows=rows)
        except ValueError as error:
            raise CommandError(str(error)) from error
        temporary = load and not output
        if temporary:
            output = str(demo.default_csv_path(cases, seed))
        started = time.perf_counter()
        if output:
            path = Path(output)
            path.parent.mkdir(parents=True, exist_ok=True)
            # Blocks of cases are generated in parallel; the file is the same either way.
            count = demo.write_csv_file(path, cases, seed, institution, max_rows=rows)
        else:
            try:
                count = demo.write_csv(generated, self.stdout)
            except BrokenPipeError:  # `nanduti generate-demo … | head`: the reader left
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
        elapsed = time.perf_counter() - started
        # Progress goes to stderr so that stdout stays a clean CSV.
        self.stderr.write(
            f"{count} filas sintéticas / synthetic rows ({cases} casos / cases, seed {seed}) "
            f"en / in {elapsed:.2f} s" + (f" → {output}" if output else "")
        )
        if load:
            try:
                report = demo.load_csv(output)
            finally:
                if temporary:  # the importer keeps its own content-addressed copy
                    Path(output).unlink()
            self.stdout.write(f"importado / imported: {report.summary()}")
            if not report.readable:
                raise CommandError(report.fatal)
