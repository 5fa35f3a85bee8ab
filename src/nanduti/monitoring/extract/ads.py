"""Red-flag score of a job ad or post for deceptive recruitment ("fishing").

The flags are those of ``shared/reference/red-flags.md`` (R1–R16) plus age or appearance
requirements for young women, kept in ``data/ad_red_flags.toml``. One flag alone proves
nothing (98% of real ads show at least one, Volodko et al. 2020); flags are scored
together: ``score = 1 − Π(1 − weight)``, and every flag comes with the words that
triggered it, so a person can judge.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from .gazetteer import DATA_DIR, fold_keep_length
from .text import clean

SUSPICIOUS = 0.6  # two or three strong flags together


@dataclass(frozen=True)
class Flag:
    code: str
    label_es: str
    label_en: str
    weight: float
    pattern: re.Pattern


@cache
def flags() -> tuple[Flag, ...]:
    with open(DATA_DIR / "ad_red_flags.toml", "rb") as fh:
        data = tomllib.load(fh)
    return tuple(
        Flag(f["code"], f["label_es"], f["label_en"], float(f["weight"]), re.compile(f["pattern"]))
        for f in data["flag"]
    )


def screen_text(text: str) -> dict:
    """Score and reasons for one ad text (already cleaned)."""
    folded = fold_keep_length(text)
    reasons = []
    keep = 1.0
    for flag in flags():
        match = flag.pattern.search(folded)
        if not match:
            continue
        keep *= 1.0 - flag.weight
        reasons.append(
            {
                "code": flag.code,
                "label_es": flag.label_es,
                "label_en": flag.label_en,
                "weight": flag.weight,
                "evidence": text[match.start() : match.end()],
            }
        )
    score = round(1.0 - keep, 4)
    return {"score": score, "suspicious": score >= SUSPICIOUS, "reasons": reasons}


def screen_item(item: dict) -> dict:
    """``{"id", "score", "suspicious", "reasons": [...], "platforms": [...]}`` for one ad."""
    from .facts import Doc, Facts, read_platforms

    cleaned = clean(" \n".join(str(item.get(k) or "") for k in ("title", "text")))
    result = {"id": item.get("id")}
    result.update(screen_text(cleaned.text))
    facts = Facts()
    read_platforms(Doc(cleaned.text), facts)
    result["platforms"] = facts.platforms
    if cleaned.warnings:
        result["warnings"] = cleaned.warnings
    return result
