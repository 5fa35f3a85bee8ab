"""``nanduti stats``: cross-tabs of the registry with disclosure control."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from nanduti.stats import export, fields, publish
from nanduti.stats.dp import PrivacyError


class Command(BaseCommand):
    help = (
        "Tabla cruzada del registro / cross-tab of the registry, e.g. "
        "nanduti stats --by year,sex --privacy cellkey"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            nargs="?",
            choices=["audit", "budget", "release"],
            help="audit: ataque de diferenciación / programación lineal contra las tablas de "
            "--tables o --random (o una publicación, --publication) / run the differencing and "
            "linear-programming attack against those tables; budget: fija el presupuesto ε de "
            "la publicación --publication (--epsilon) / set a publication's ε budget; release: "
            "muestra el costo de las tablas con privacidad diferencial de --publication y, con "
            "--confirm, las publica / show what a publication's DP tables cost and, with "
            "--confirm, release them",
        )
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="release: gastar el presupuesto / spend the budget",
        )
        parser.add_argument("--tables", default="", help="audit: FIELD,FIELD;FIELD,FIELD;…")
        parser.add_argument(
            "--publication", type=int, default=0, help="audit: an approved publication's id"
        )
        parser.add_argument("--random", type=int, default=0, help="audit: N random tables")
        parser.add_argument("--pool", default="", help="audit --random: fields to draw from")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--by",
            default="",
            help="CAMPO[,CAMPO…] en español o inglés / FIELD[,FIELD…] in Spanish or English "
            "(plataforma = platform)",
        )
        parser.add_argument("--filter", action="append", default=[], help="FIELD=VALUE")
        parser.add_argument("--count", default="cases", choices=list(fields.UNITS))
        parser.add_argument("--privacy", default="cellkey", choices=list(publish.MODES))
        parser.add_argument("--threshold", type=int, default=None)
        parser.add_argument("--epsilon", type=float, default=None)
        parser.add_argument("--format", default="csv", choices=list(export.FORMATS))
        parser.add_argument("--language", default="es", choices=["es", "en"])
        parser.add_argument("-o", "--output", default="")
        parser.add_argument("--list-fields", action="store_true")
        parser.add_argument(
            "--refresh-summary",
            action="store_true",
            help="Reconstruye la instantánea y el resumen (tras importar) / rebuild the snapshot "
            "and the summary",
        )

    def handle(self, *args, **opts):
        if opts["action"] == "audit":
            self._audit(opts)
            return
        if opts["action"] in ("budget", "release"):
            self._publication_dp(opts)
            return
        if opts["refresh_summary"]:
            from nanduti.stats import snapshot, summary

            copied = snapshot.build()
            self.stderr.write(
                f"Instantánea reconstruida / snapshot rebuilt: {copied.rows} filas / rows, "
                f"{copied.size / 2**20:.1f} MiB, {copied.seconds:.1f} s"
            )
            state = summary.refresh()
            self.stderr.write(
                f"Resumen reconstruido / summary rebuilt: {state.rows} filas / rows, "
                f"{state.seconds:.1f} s"
            )
            if not opts["by"]:
                return
        if opts["list_fields"]:
            self._list_fields(opts["format"])
            return
        try:
            result = publish.produce(
                opts["by"],
                unit=opts["count"],
                filters=opts["filter"],
                privacy=opts["privacy"],
                threshold=opts["threshold"],
                epsilon=opts["epsilon"],
                operator=True,
                actor="cli",
            )
        except (fields.FieldError, PrivacyError, publish.PermissionDenied) as error:
            raise CommandError(str(error)) from error
        for note in result.notes:
            self.stderr.write(note)
        data = export.render(result, opts["format"], opts["language"])
        if opts["output"]:
            with open(opts["output"], "wb") as fh:
                fh.write(data)
            self.stderr.write(f"Escrito / written: {opts['output']}")
        elif opts["format"] == "xlsx":
            raise CommandError("XLSX necesita -o ARCHIVO / XLSX needs -o FILE")
        else:
            sys.stdout.write(data.decode("utf-8"))

    def _publication_dp(self, opts):
        from nanduti.stats import publication
        from nanduti.stats.models import Publication

        found = Publication.objects.filter(pk=opts["publication"]).first()
        if found is None:
            raise CommandError(
                f"No hay publicación {opts['publication']} / no publication "
                f"{opts['publication']} (--publication ID)"
            )
        try:
            if opts["action"] == "budget":
                if opts["epsilon"] is None:
                    raise CommandError("budget necesita --epsilon / budget needs --epsilon")
                publication.set_budget(found, opts["epsilon"], operator=True)
            elif opts["confirm"]:
                publication.release_dp(found)
        except publication.PublicationError as error:
            raise CommandError(str(error)) from error
        q = publication.quote_dp(found)
        budget = "sin fijar / not set" if q.budget is None else f"ε={q.budget:g}"
        self.stdout.write(
            f"«{found.title}» (n.º / no. {found.pk}): presupuesto / budget {budget}, gastado / "
            f"spent ε={q.spent:g}, disponible / left ε={q.remaining:g}"
        )
        for t in q.tables:
            spec = t.spec
            if t.released:
                state = f"publicada / released (#{t.release_id})"
            else:
                assert t.quote is not None
                state = (
                    f"costo / cost ε={t.cost:g}, sensibilidad / sensitivity {t.quote.sensitivity}"
                )
            self.stdout.write(f"  {spec.get('unit')}: {spec['by']} ε={spec['epsilon']:g} — {state}")
        if q.pending:
            self.stdout.write(
                f"Por publicar / to release: ε={q.cost:g}; nada gastado: añada --confirm / "
                "nothing spent: add --confirm"
            )

    def _audit(self, opts):
        from nanduti.stats import audit

        if opts["publication"]:
            from nanduti.stats import publication
            from nanduti.stats.models import Publication

            found = Publication.objects.filter(
                pk=opts["publication"], status=Publication.APPROVED
            ).first()
            if found is None:
                raise CommandError(
                    f"No hay publicación aprobada {opts['publication']} / no approved "
                    f"publication {opts['publication']}"
                )
            self._report(publication.audit_frozen(found), opts)
            return
        if opts["random"]:
            pool = [p for p in opts["pool"].split(",") if p.strip()]
            if len(pool) < 2:
                raise CommandError("--random necesita --pool F1,F2,… / --random needs --pool")
            queries = audit.random_tables(pool, opts["random"], opts["count"], opts["seed"])
        else:
            queries = [q.split(",") for q in opts["tables"].split(";") if q.strip()]
        if not queries:
            raise CommandError("Indique --tables o --random / give --tables or --random")
        try:
            report = audit.audit_queries(queries, opts["count"], opts["privacy"], opts["filter"])
        except (fields.FieldError, publish.PermissionDenied) as error:
            raise CommandError(str(error)) from error
        self._report(report, opts)

    def _report(self, report, opts):
        summary = report.as_dict()
        if opts["format"] == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
        else:
            self.stdout.write(
                f"tablas / tables {summary['tables']}, cifras / figures {summary['figures']}, "
                f"protegidas / protected {summary['protected']}, recuperadas exactamente / "
                f"recovered exactly {summary['exact_recoveries']} ({summary['seconds']} s)"
            )
            for r in report.exact:
                self.stdout.write(f"  {r.table}: {r.cell} = {r.true}")
        if report.exact:
            raise CommandError(f"{len(report.exact)} cifras protegidas recuperadas / recovered")

    def _list_fields(self, fmt: str):
        catalogue = fields.catalogue()
        if fmt == "json":
            self.stdout.write(json.dumps(catalogue, ensure_ascii=False, indent=1))
            return
        for f in catalogue:
            multi = (
                " (varios valores por caso / multi-valued per case)"
                if f["multi_valued_for_cases"]
                else ""
            )
            self.stdout.write(f"{f['name']}: {f['label_es']} / {f['label_en']}{multi}")
            for v in f["values"]:
                self.stdout.write(f"    {v['code']}: {v['label_es']} / {v['label_en']}")
