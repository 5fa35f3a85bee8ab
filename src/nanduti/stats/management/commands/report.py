"""``nanduti report``: the study's tables, or the printable report as HTML or PDF."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from nanduti.stats import study_tables


class Command(BaseCommand):
    help = "nanduti report study-tables [--format text|csv|json] | nanduti report html|pdf -o FILE"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["study-tables", "html", "pdf"])
        parser.add_argument("--format", default="text", choices=["text", "csv", "json"])
        parser.add_argument("--language", default="es", choices=["es", "en"])
        parser.add_argument("-o", "--output", default="")

    def handle(self, *args, **opts):
        what = opts["what"]
        if what == "study-tables":
            tables = study_tables.all_tables(opts["language"])
            if opts["format"] == "json":
                text = json.dumps(tables, ensure_ascii=False, indent=1)
            elif opts["format"] == "csv":
                text = study_tables.as_csv(tables)
            else:
                text = study_tables.as_text(tables)
            self._write(text.encode("utf-8"), opts["output"])
            return
        if not opts["output"]:
            raise CommandError(f"{what.upper()} necesita -o ARCHIVO / needs -o FILE")
        from nanduti.stats import report

        html = report.render_html(language=opts["language"])
        data = html.encode("utf-8") if what == "html" else report.to_pdf(html)
        self._write(data, opts["output"])

    def _write(self, data: bytes, output: str):
        if output:
            with open(output, "wb") as fh:
                fh.write(data)
            self.stderr.write(f"Escrito / written: {output}")
        else:
            sys.stdout.write(data.decode("utf-8"))
