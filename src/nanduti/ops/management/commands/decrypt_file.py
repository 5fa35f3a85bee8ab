"""``nanduti decrypt-file FILE -o OUT``: a kept raw file or quarantine, decrypted for a person."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nanduti.ops import passphrase
from nanduti.registry import sealed


class Command(BaseCommand):
    help = (
        "Descifra un archivo guardado cifrado (archivo importado, rechazos) / decrypt a file kept "
        "encrypted (imported file, rejected rows)"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("-o", "--output", required=True, help="archivo / file (mode 0600)")
        passphrase.add_arguments(parser)

    def handle(self, *args, file, output, **options):
        try:
            sealed.unseal(Path(file), Path(output), passphrase.read(options))
        except (sealed.SealError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"descifrado / decrypted: {output}")
