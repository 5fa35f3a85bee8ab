"""``nanduti restore FILE``: replace the database and data files by a backup's."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from nanduti.ops import passphrase
from nanduti.ops.backup import RestoreRefused, restore
from nanduti.registry.sealed import SealError


class Command(BaseCommand):
    help = "Restaura un respaldo (reemplaza todos los datos) / restore a backup (replaces all data)"

    def add_arguments(self, parser):
        parser.add_argument("archive")
        passphrase.add_arguments(parser)

    def handle(self, *args, archive, **options):
        phrase = passphrase.read(options)
        call_command("migrate", interactive=False, verbosity=0)  # a new, empty database
        try:
            manifest = restore(Path(archive), phrase)
        except (RestoreRefused, SealError) as error:
            raise CommandError(str(error)) from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"restaurado / restored {archive} ({manifest['created_at']}): {rows} filas / rows, "
            f"{len(manifest['files'])} archivos / files, verificados / verified"
        )
