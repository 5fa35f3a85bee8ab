"""The ``nanduti`` command: Django's management entry point.

Our commands are written with hyphens on the command line (``nanduti rotate-keys``)
and with underscores as Python modules (``rotate_keys``).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        sys.stderr.write(f"nanduti: {error}\n")
        raise SystemExit(2) from error


if __name__ == "__main__":
    main()
