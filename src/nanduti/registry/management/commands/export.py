"""``nanduti export --format csv|xlsx|ctdc -o FILE``: export cases."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from nanduti.registry.exporter import EXPORT_FORMATS, export_cases
from nanduti.registry.institutions import UnknownInstitution, ensure_institution
from nanduti.registry.models import AuditEvent, Case
from nanduti.registry.xlsform_build import write_form


class Command(BaseCommand):
    help = (
        "Exporta casos (CSV, XLSX, CTDC) o el formulario XLSForm para KoboToolbox/ODK / "
        "exports cases (CSV, XLSX, CTDC) or the XLSForm form for KoboToolbox/ODK"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=(*EXPORT_FORMATS, "xlsform"), default="csv", dest="fmt"
        )
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--institution", help="solo esta institución / only this institution")
        parser.add_argument(
            "--include-identifying",
            action="store_true",
            help="incluir datos identificatorios (requiere --institution) / include "
            "identifying data (requires --institution)",
        )

    def handle(self, *args, **options):
        if options["fmt"] == "xlsform":  # the form holds no case data
            questions = write_form(options["output"])
            self.stdout.write(f"XLSForm: {questions} preguntas / questions → {options['output']}")
            return
        cases = Case.objects.all()
        institution = None
        if options["institution"]:
            try:
                institution = ensure_institution(options["institution"])
            except UnknownInstitution as error:
                raise CommandError(str(error)) from None
            cases = cases.filter(institution=institution)
        identifying = options["include_identifying"]
        if identifying and institution is None:
            raise CommandError(
                "--include-identifying exige --institution: los datos identificatorios solo "
                "salen de una institución / --include-identifying requires --institution: "
                "identifying data only leaves one institution at a time"
            )
        if identifying and options["fmt"] == "ctdc":
            identifying = False  # the CTDC standard has no identifying fields
        rows = export_cases(cases, options["fmt"], options["output"], identifying)
        AuditEvent.objects.create(
            action="export",
            model="case",
            institution=institution,
            changes={
                "format": options["fmt"],
                "rows": rows,
                "identifying": identifying,
                "file": str(options["output"]),
            },
        )
        self.stdout.write(f"exported {rows} rows → {options['output']}")
