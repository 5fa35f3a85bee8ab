"""``nanduti link``: record linkage (unique persons across institutions).

nanduti link run [--mode encoded|clear] [--threshold P]
nanduti link export -o PERSONS.csv
nanduti link encode --institution CODE -o FILE
nanduti link files F1 F2 … -o PERSONS.csv [--threshold P]
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from nanduti.jobs.terminal import progress_bar
from nanduti.linkage import files, keys, mse, pipeline, runs
from nanduti.linkage.models import LinkageRun
from nanduti.linkage.records import victim_records
from nanduti.registry import audit
from nanduti.registry.models import AuditEvent, Institution


def _no_identifier_note(n: int) -> str:
    return (
        f"{n} registros sin ningún identificador (nombre, documento, fecha de nacimiento): "
        f"cada uno cuenta como una persona / {n} records with no identifier at all (name, "
        "document, birth date): each counts as a person of its own"
    )


def _current_run() -> LinkageRun:
    run = LinkageRun.current()
    if run is None:
        raise CommandError(LinkageRun.NONE_YET)
    return run


class Command(BaseCommand):
    help = "Enlace de registros: personas únicas entre instituciones / record linkage"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("run", help="enlaza el registro / link the registry")
        p.add_argument("--mode", choices=["encoded", "clear"], default="encoded")
        p.add_argument("--threshold", type=float, default=pipeline.DEFAULT_THRESHOLD)
        p = sub.add_parser("export", help="personas del último enlace / last run's persons")
        p.add_argument("-o", "--output", required=True)
        p = sub.add_parser("encode", help="archivo cifrado de una institución / encoded file")
        p.add_argument("--institution", required=True)
        p.add_argument("-o", "--output", required=True)
        p = sub.add_parser("files", help="enlaza archivos cifrados / link encoded files")
        p.add_argument("paths", nargs="+")
        p.add_argument("-o", "--output", required=True)
        p.add_argument("--threshold", type=float, default=pipeline.DEFAULT_THRESHOLD)
        p = sub.add_parser("estimate", help="estimación de sistemas múltiples / MSE")
        p.add_argument("--criterion", choices=["bic", "aic"], default="bic")

    def handle(self, *args, **opts):
        if not 0.2 <= opts.get("threshold", 0.5) < 1:
            raise CommandError("--threshold debe estar en [0.2, 1) / must be in [0.2, 1)")
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except (ImproperlyConfigured, files.LinkageFileError) as error:
            raise CommandError(str(error)) from error

    def _run(self, opts):
        with progress_bar("enlace / linkage", "%") as progress:
            run = runs.run(
                opts["mode"], opts["threshold"], on_progress=lambda pct, _stage: progress(pct, 100)
            )
        if run.no_identifier:
            self.stderr.write(_no_identifier_note(run.no_identifier))
        self.stdout.write(f"records {run.records}, persons {run.persons}")

    def _export(self, opts):
        run = _current_run()
        n = runs.write_persons(opts["output"], runs.export_rows(run))
        AuditEvent.objects.create(
            actor=audit.current_actor(),
            action="export",
            model="linkagerun",
            object_id=str(run.pk),
            changes={"rows": n, "file": "persons"},
        )
        self.stderr.write(f"Escrito / written: {opts['output']} ({n} filas / rows, run #{run.pk})")

    def _encode(self, opts):
        code = opts["institution"]
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            raise CommandError(f"Institución desconocida «{code}» / unknown institution «{code}»")
        records = list(victim_records(institution))
        if not records:
            raise CommandError(
                f"La institución «{code}» no tiene víctimas registradas: no se escribió ningún "
                f"archivo / institution «{code}» has no victim records: no file written"
            )
        encoder = keys.encoder()
        written, missing = files.write(opts["output"], code, records, encoder)
        AuditEvent.objects.create(
            actor=audit.current_actor(),
            institution=institution,
            action="export",
            model="linkage-encoded",
            changes={"records": written, "key_fingerprint": encoder.fingerprint},
        )
        if missing:
            self.stderr.write(_no_identifier_note(missing))
        self.stdout.write(f"records {written}, key {encoder.fingerprint} → {opts['output']}")

    def _estimate(self, opts):
        run = _current_run()
        lists, memberships = runs.memberships(run)
        try:
            result = mse.estimate(memberships, lists, opts["criterion"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        fit = result.chosen
        terms = ", ".join(f"{lists[a]}×{lists[b]}" for a, b in fit.interactions) or "—"
        self.stdout.write(
            f"lists {', '.join(lists)}; persons seen {result.observed}; unseen "
            f"{fit.unobserved:.0f} (95% CI {fit.low:.0f}–{fit.high:.0f}); total "
            f"{result.total:.0f}; model: main effects + {terms} "
            f"({opts['criterion'].upper()} {getattr(fit, opts['criterion']):.1f}; run #{run.pk})"
        )
        self.stderr.write(mse.ASSUMPTIONS)

    def _files(self, opts):
        result = runs.link_files(opts["paths"], opts["output"], opts["threshold"])
        for path in result.empty:
            self.stderr.write(f"«{path}»: sin registros / no records")
        if result.no_identifier:
            self.stderr.write(_no_identifier_note(result.no_identifier))
        self.stdout.write(f"records {result.records}, persons {result.persons}")
