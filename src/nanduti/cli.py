"""The ``nanduti`` command: Django's management entry point, explaining itself.

Our commands are written with hyphens on the command line (``nanduti rotate-keys``)
and with underscores as Python modules (``rotate_keys``). ``nanduti --help`` lists them
first, one line each, and Django's own (and its libraries') under a heading of their own;
each of ours ends its ``--help`` with examples. Both come from ``commands.toml``.
"""

from __future__ import annotations

import os
import sys
import textwrap
import tomllib
from argparse import RawDescriptionHelpFormatter
from functools import cache
from pathlib import Path

COMMANDS_FILE = Path(__file__).with_name("commands.toml")
HELP_FLAGS = ("-h", "--help", "help")


@cache
def described() -> dict[str, dict]:
    """Summary and examples of each of our commands, by hyphenated name."""
    with open(COMMANDS_FILE, "rb") as fh:
        return tomllib.load(fh)


def hyphenated(name: str) -> str:
    return name.replace("_", "-")


def ours(app: str) -> bool:
    return app.startswith("nanduti.")


def summary(name: str, command) -> str:
    entry = described().get(hyphenated(name), {})
    return entry.get("summary") or (command.help or "").strip().splitlines()[0]


def examples(name: str) -> str:
    lines = described().get(hyphenated(name), {}).get("examples", [])
    if not lines:
        return ""
    return "ejemplos / examples:\n" + "\n".join(f"  {line}" for line in lines)


def main_help(prog: str) -> str:
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    mine = sorted(name for name, app in commands.items() if ours(app))
    width = max(len(hyphenated(n)) for n in mine) + 2
    lines = [
        "Ñandutí — observatorio de trata facilitada por tecnologías / observatory of "
        "technology-facilitated trafficking",
        "",
        f"uso / usage: {prog} COMANDO [opciones]   ·   {prog} COMANDO --help  (ejemplos / "
        "examples)",
        "",
        "Comandos de Ñandutí / Ñandutí's commands:",
    ]
    for name in mine:
        command = load_command_class(commands[name], name)
        lines.append(f"  {hyphenated(name):<{width}}{summary(name, command)}")
    by_app: dict[str, list[str]] = {}
    for name, app in commands.items():
        if not ours(app):
            label = "django" if app == "django.core" else app.rpartition(".")[-1]
            by_app.setdefault(label, []).append(name)
    lines += ["", "Comandos de Django y sus bibliotecas / Django's and its libraries' commands:"]
    for label in sorted(by_app):
        names = f"[{label}] " + ", ".join(sorted(by_app[label]))
        lines.append(textwrap.fill(names, 100, initial_indent="  ", subsequent_indent="    "))
    return "\n".join(lines) + "\n"


def with_examples(command, name: str):
    """The command, its ``--help`` ending with the examples of ``commands.toml``."""
    create_parser = command.create_parser

    def create(prog_name, subcommand, **kwargs):
        parser = create_parser(prog_name, hyphenated(subcommand), **kwargs)
        text = examples(name)
        if text:
            parser.epilog = text
            # Examples keep their lines; Django's formatter would run them together.
            parser.formatter_class = type(
                "ExamplesFormatter", (RawDescriptionHelpFormatter, parser.formatter_class), {}
            )
        return parser

    command.create_parser = create
    return command


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    for position in (1, 2) if argv[1:2] == ["help"] else (1,):
        if len(argv) > position and "-" in argv[position] and not argv[position].startswith("-"):
            argv[position] = argv[position].replace("-", "_")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import ManagementUtility, get_commands

    class Utility(ManagementUtility):
        def main_help_text(self, commands_only=False):
            if commands_only or self.settings_exception is not None:
                return super().main_help_text(commands_only)
            return main_help(self.prog_name)

        def fetch_command(self, subcommand):
            command = super().fetch_command(subcommand)
            if ours(get_commands().get(subcommand, "")):
                return with_examples(command, subcommand)
            return command

    utility = Utility(argv)
    utility.prog_name = "nanduti"
    try:
        utility.execute()
    except ImproperlyConfigured as error:
        sys.stderr.write(f"nanduti: {error}\n")
        raise SystemExit(2) from error


if __name__ == "__main__":
    main()
