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
def _data() -> dict:
    with open(DATA_DIR / "ad_red_flags.toml", "rb") as fh:
        return tomllib.load(fh)


def _foreign_money(money: dict) -> str:
    """An amount in a currency other than the guaraní: "3.000 euros", "USD 500", "R$ 4.000"
    (currency words and signs from the data file, ISO 4217 codes from ``pycountry``)."""
    import pycountry

    codes = sorted(c.alpha_3.lower() for c in pycountry.currencies if c.alpha_3 != "PYG")
    amount = r"\d[\d.,]*( ?(mil|millones|k))?"
    after = "|".join(money["words"] + codes)
    before = "|".join(money["signs"] + codes)
    return rf"(?:(?:{before}) ?{amount}|{amount} ?(?:{after}))"


@cache
def flags() -> tuple[Flag, ...]:
    data = _data()
    money = _foreign_money(data["money"])
    return tuple(
        Flag(
            f["code"],
            f["label_es"],
            f["label_en"],
            float(f["weight"]),
            re.compile(f["pattern"].replace("{foreign_money}", money)),
        )
        for f in data["flag"]
    )


def _work_abroad(text: str, folded: str) -> str | None:
    """ "trabajo en Buenos Aires", "vagas para Foz do Iguaçu": work offered in a country or
    a place abroad the news gazetteer knows; returns the words, or None."""
    from .gazetteer import country_finder

    before = re.compile(_data()["abroad"]["before"])
    for hit in country_finder().find(text, folded):
        if hit.entry.code == "PY" or hit.entry.kind == "demonym":
            continue
        m = before.search(folded[max(0, hit.start - 60) : hit.start])
        if m:
            start = hit.start - (min(60, hit.start) - m.start())
            return text[start : hit.end]
    return None


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
    abroad = _data()["abroad"]["flag"]
    if not any(r["code"] == abroad for r in reasons):
        words = _work_abroad(text, folded)
        abroad_flag = next((f for f in flags() if f.code == abroad), None)
        if words and abroad_flag:
            keep *= 1.0 - abroad_flag.weight
            reasons.append(
                {
                    "code": abroad_flag.code,
                    "label_es": abroad_flag.label_es,
                    "label_en": abroad_flag.label_en,
                    "weight": abroad_flag.weight,
                    "evidence": words,
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
    read_platforms(Doc(cleaned.text), facts, ad=True)
    result["platforms"] = facts.platforms
    if cleaned.warnings:
        result["warnings"] = cleaned.warnings
    return result
