"""`nanduti --help` lists Ñandutí's commands with one line each, Django's apart; every one of
ours ends its `--help` with examples that its own parser accepts."""

import shlex

import pytest
from django.core.management import get_commands, load_command_class

from nanduti import cli

OURS = sorted(name for name, app in get_commands().items() if app.startswith("nanduti."))


def test_main_help_lists_our_commands_hyphenated_then_djangos(capsys):
    cli.main(["nanduti", "--help"])
    text = capsys.readouterr().out
    ours, _, theirs = text.partition("Comandos de Django")
    assert "Comandos de Ñandutí" in ours
    for name in OURS:
        line = next(li for li in ours.splitlines() if li.split()[:1] == [name.replace("_", "-")])
        assert " / " in line and len(line) <= 100, line  # one line, in both languages
    assert "rotate_keys" not in ours and "rebuild-summaries" in ours
    assert "migrate" in theirs and "flush" in theirs and "migrate" not in ours


@pytest.mark.parametrize("name", OURS)
def test_each_command_has_examples_its_parser_accepts(name, capsys):
    entry = cli.described().get(name.replace("_", "-"))
    assert entry and entry["summary"] and entry["examples"], f"{name}: add it to commands.toml"
    command = cli.with_examples(load_command_class(get_commands()[name], name), name)
    parser = command.create_parser("nanduti", name)
    for example in entry["examples"]:
        words = shlex.split(example, comments=True)
        while "=" in words[0]:  # an environment variable set for the example
            words.pop(0)
        assert words[:2] == ["nanduti", name.replace("_", "-")], example
        parser.parse_args(words[2:])  # exits (fails the test) on an argument it does not know
    parser.print_help()
    shown = capsys.readouterr().out
    assert f"usage: nanduti {name.replace('_', '-')}" in shown
    assert shown.rstrip().endswith(entry["examples"][-1])


def test_help_for_a_hyphenated_command_works(capsys):
    cli.main(["nanduti", "help", "rotate-keys"])
    assert "ejemplos / examples:" in capsys.readouterr().out
