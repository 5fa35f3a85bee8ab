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
        parser.add_argument("--by", default="", help="FIELD[,FIELD…]")
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
            help="Reconstruye el resumen materializado (tras importar) / rebuild the summary",
        )

    def handle(self, *args, **opts):
        if opts["refresh_summary"]:
            from nanduti.stats import summary

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
