"""``nanduti import FILE``: import cases from CSV, XLSX, XLSForm or CTDC files."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from nanduti.jobs.terminal import progress_bar
from nanduti.registry import signals
from nanduti.registry.importer import import_file
from nanduti.registry.io.reading import FORMATS
from nanduti.registry.template import TEMPLATE_FORMATS, write_template

SHOWN_REJECTS = 10


class Command(BaseCommand):
    help = (
        "Importa casos de un archivo CSV, XLSX, XLSForm (Kobo/ODK) o CTDC / "
        "imports cases from a CSV, XLSX, XLSForm (Kobo/ODK) or CTDC file"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")
        parser.add_argument(
            "--template",
            choices=TEMPLATE_FORMATS,
            help="escribe la plantilla de importación en -o FILE / writes the import template "
            "to -o FILE",
        )
        parser.add_argument("-o", "--output", help="archivo de la plantilla / template file")
        parser.add_argument("--institution", help="código de institución / institution code")
        parser.add_argument("--format", choices=FORMATS, dest="fmt")
        parser.add_argument(
            "--rejects", help="CSV de filas rechazadas / CSV of rejected rows (default: VAR_DIR)"
        )
        parser.add_argument("--json", action="store_true", help="informe JSON / JSON report")
        parser.add_argument(
            "--workers",
            type=int,
            help="procesos que normalizan filas (por defecto 2 desde 20.000 filas; 1 = uno solo) "
            "/ processes that normalise rows (default 2 from 20,000 rows; 1 = one)",
        )

    def handle(self, *args, **options):
        if options["template"]:
            if not options["output"]:
                raise CommandError("--template exige -o FILE / --template requires -o FILE")
            write_template(options["output"], options["template"])
            self.stdout.write(f"plantilla / template → {options['output']}")
            return
        if not options["file"]:
            raise CommandError("falta el archivo a importar / the file to import is missing")
        with progress_bar("importación / import", " filas") as progress:
            report = import_file(
                options["file"],
                institution=options["institution"],
                fmt=options["fmt"],
                rejects_path=options["rejects"],
                workers=options["workers"],
                progress=progress,
            )
        if report.readable and (report.stored or report.updated):
            signals.cases_imported.send(sender=self.__class__, report=report)
        if options["json"]:
            self.stdout.write(report.to_json())
        else:
            self._print(report)
        if not report.readable:
            # Only a file that could not be read at all is a failure; bad rows are not.
            raise CommandError(report.fatal, returncode=2)

    def _print(self, report) -> None:
        if not report.readable:
            return
        self.stdout.write(report.summary())
        self.stdout.write(
            f"sin cambios / unchanged {report.unchanged}; filas leídas / rows read "
            f"{report.rows_read}; formato / format {report.format}; lote / batch "
            f"{report.batch_id}"
        )
        for entry in report.errors[:SHOWN_REJECTS]:
            for error in entry["errors"]:
                self.stdout.write(f"  ✗ {error['message']}")
        if report.rejected > SHOWN_REJECTS:
            self.stdout.write(f"  … {report.rejected - SHOWN_REJECTS} más / more")
        if report.rejects_path:
            self.stdout.write(f"rechazos / rejects: {report.rejects_path}")
        if report.fuzzy_count:
            self.stdout.write(
                f"coincidencias aproximadas aceptadas / fuzzy matches accepted: "
                f"{report.fuzzy_count}"
            )
            for match in report.fuzzy_matches[:SHOWN_REJECTS]:
                self.stdout.write(
                    f"  ~ fila/row {match['row']} «{match['column']}»: «{match['value']}» → "
                    f"{match['label']} ({match['score']})"
                )
        for warning in report.warnings:
            self.stdout.write(f"  ! {warning}")
