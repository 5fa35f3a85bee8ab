"""``nanduti backup -o FILE``: one encrypted archive of the database and the data files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from nanduti.ops import passphrase
from nanduti.ops.backup import backup


class Command(BaseCommand):
    help = (
        "Respaldo cifrado de la base de datos, archivos importados y cuarentena / encrypted "
        "backup of the database, imported files and quarantine"
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="archivo / file")
        passphrase.add_arguments(parser)

    def handle(self, *args, output, **options):
        manifest = backup(Path(output), passphrase.read(options))
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"respaldo / backup {output}: {len(manifest['tables'])} tablas / tables, {rows} filas "
            f"/ rows, {len(manifest['files'])} archivos / files"
        )
