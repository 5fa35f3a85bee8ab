"""``nanduti figures load|import FILE|export [--sdmx] [-o OUT]|list|template -o OUT``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nanduti.figures import files, store, template


class Command(BaseCommand):
    help = "Cifras oficiales (series agregadas) / official figures (aggregate series)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="the study's Tables 4-8 and the official series shipped")
        imp = sub.add_parser("import", help="CSV, XLSX or SDMX-CSV")
        imp.add_argument("file")
        exp = sub.add_parser("export", help="current versions, CSV (default) or SDMX-CSV")
        exp.add_argument("--sdmx", action="store_true")
        exp.add_argument("-o", "--output", default="-")
        sub.add_parser("list", help="series, version, unit, source")
        tpl = sub.add_parser("template", help="the XLSX template")
        tpl.add_argument("-o", "--output", required=True)

    def handle(self, *args, action, **options):
        if action == "load":
            self._report(store.load_shipped())
        elif action == "import":
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"No existe / not found: {path}")
            self._report(store.import_file(path.name, path.read_bytes()))
        elif action == "export":
            series = store.current()
            text = files.write_sdmx(series) if options["sdmx"] else files.write_csv(series)
            self._write(options["output"], text.encode("utf-8"))
        elif action == "list":
            for s in store.current():
                source = s.source_locator or s.source_title[:40]
                self.stdout.write(
                    f"{s.key:<22} v{s.version} {s.unit:<16} {s.institution:<18} "
                    f"{len(s.observations.all()):>3} obs · {source}"
                )
        else:
            self._write(options["output"], template.xlsx())

    def _write(self, output: str, data: bytes) -> None:
        if output == "-":
            self.stdout.write(data.decode("utf-8"), ending="")
        else:
            Path(output).write_bytes(data)

    def _report(self, report: store.ImportReport) -> None:
        for problem in report.problems:
            self.stderr.write(str(problem))
        self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(
                f"{len(report.problems)} errores; archivo guardado como envío "
                f"{report.submission.pk} / errors; file kept as submission {report.submission.pk}"
            )
