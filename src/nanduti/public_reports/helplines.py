"""What the answer page says beside the red flags: advice and Paraguay's help lines.

Read from ``data/help_lines.toml`` (versioned, every line with its source). Pure.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "help_lines.toml"


@dataclass(frozen=True)
class HelpLine:
    code: str
    name: str
    number: str
    when: str
    web: str
    source: str


def _half(language: str) -> str:
    return "en" if (language or "es").startswith("en") else "es"


@cache
def data() -> dict:
    with open(DATA, "rb") as fh:
        return tomllib.load(fh)


def help_lines(language: str = "es") -> list[HelpLine]:
    lang = _half(language)
    return [
        HelpLine(
            line["code"],
            line[f"name_{lang}"],
            line["number"],
            line[f"for_{lang}"],
            line["web"],
            line["source"],
        )
        for line in data()["line"]
    ]


def unsourced_note(language: str = "es") -> str:
    return data()["unsourced"][f"note_{_half(language)}"]


def advice(flag_codes: list[str], language: str = "es") -> list[str]:
    """Advice for the flags found (in the order found), then the general advice."""
    lang = _half(language)
    per_flag = data()["flag_advice"]
    specific = [per_flag[code][lang] for code in flag_codes if code in per_flag]
    return specific + [item[lang] for item in data()["advice"]]


def version() -> str:
    return data()["version"]
