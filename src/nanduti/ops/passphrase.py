"""The passphrase option shared by ``nanduti backup`` and ``nanduti restore``."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.core.management.base import CommandError


def add_arguments(parser) -> None:
    parser.add_argument(
        "--passphrase-file",
        help="cifrar con la frase de paso de este archivo (primera línea) en vez de la clave "
        "del proyecto / encrypt with the passphrase in this file (first line) instead of the "
        "project's field key",
    )
    parser.add_argument(
        "--ask-passphrase", action="store_true", help="pedir la frase de paso / prompt for it"
    )


def read(options: dict) -> str | None:
    if options.get("passphrase_file"):
        try:
            lines = Path(options["passphrase_file"]).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise CommandError(f"{options['passphrase_file']}: {error.strerror}") from None
        phrase = lines[0].strip() if lines else ""
    elif options.get("ask_passphrase"):
        phrase = getpass.getpass("Frase de paso / passphrase: ")
    else:
        return None
    if len(phrase) < 12:
        raise CommandError(
            "la frase de paso debe tener 12 caracteres o más / the passphrase needs 12+ characters"
        )
    return phrase
