"""Emerging platforms: names of apps, sites and games that a report ties to contact or
recruitment ("la contactó a través de Zapzap", "un perfil en Wink", "o aliciou pelo
aplicativo Yubo") and that the platform vocabulary does not know yet.

A candidate is a brand-like name (capitalised, CamelCase or with digits) right after a
contact cue, optionally through a noun ("la aplicación", "el juego en línea"). Names the
platform vocabulary already has, place names, institutions and people (a name with an
honorific or an age after it) are left out. Analysts see the candidates with their evidence
and add the real ones to the vocabulary (``monitoring/emerging.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nanduti.taxonomy import vocab

_CUE = (
    r"(?:a\s+trav[eé]s\s+de(?:l)?|por\s+medio\s+de(?:l)?|mediante|contact(?:[oó]|aba|aron|ada|ado)"
    r"(?:\s+\w+){0,2}?\s+(?:por|en|v[ií]a)|v[ií]a|perfil(?:es)?\s+en|juegos?\s+en\s+l[ií]nea|"
    r"atrav[eé]s\s+d[eoa]s?|por\s+meio\s+d[eoa]s?|pel[oa]|(?:na|no)\s+(?:rede\s+social|aplicativo)|"
    r"through|via|profile\s+on|on\s+the\s+app|en\s+la\s+(?:aplicaci[oó]n|app|plataforma|red\s+social)|"
    r"en\s+el\s+juego)"
)
_NOUN = (
    r"(?:(?:la|el|una|un|o|a|the|an?)\s+)?(?:aplicaci[oó]n|app|aplicativo|juego(?:\s+en\s+l[ií]nea)?|"
    r"plataforma|red\s+social|rede\s+social|sitio(?:\s+web)?|p[aá]gina|game|site|platform|chat|"
    r"servicio\s+de\s+mensajer[ií]a)(?:\s+(?:de|llamad[ao]|chamad[ao]|called))?"
)
_BRAND = r"[A-ZÁÉÍÓÚÑ][\w]*(?:[ .-](?:[A-ZÁÉÍÓÚÑ0-9][\w]+))?"
PATTERN = re.compile(
    rf"\b{_CUE}\s+(?:{_NOUN}\s+)?[«\"“']?(?P<name>{_BRAND})(?P<after>[»\"”']?(?:,\s*de\s+\d+\s+años)?)"
)
_HONORIFIC = re.compile(r"(?:señor|señora|sr|sra|don|doña|dr|dra|lic|abog)\.?\s*$", re.IGNORECASE)
# Capitalised words met after a cue that are not platforms (institutions, roles, places).
_NOT_PLATFORM_WORDS = """
La El Los Las Un Una Su Sus Este Esta The A An O Os As Seu Sua His Her Their
Policía Policia Fiscalía Fiscalia Ministerio Ministério Unidad Departamento Dirección
Internet Google Red Redes Web Estado Gobierno Justicia Juzgado Consulado Embajada
Interpol Europol Secretaría Programa Línea Linea Fundación Asociación Centro Casa
Mujer Niñez Codeni Conatel Senad Pgr Pf Police Ministry Federal Civil Brasil Paraguay
"""
NOT_PLATFORMS = frozenset(vocab.fold(w) for w in _NOT_PLATFORM_WORDS.split())
SNIPPET = 140


@dataclass(frozen=True)
class Mention:
    name: str  # as written
    key: str  # folded, to count spellings together
    cue: str  # the words before the name
    snippet: str  # the sentence around it
    start: int
    end: int


def _known(name: str) -> bool:
    key = vocab.fold(name)
    if key in NOT_PLATFORMS or all(w in NOT_PLATFORMS for w in key.split()):
        return True
    platforms = vocab.get("platform")
    if platforms.candidates(name) or key in platforms._alias_index:
        return True
    places = ("department", "district", "country")
    return any(vocab.get(other).candidates(name) for other in places)


def _snippet(text: str, start: int, end: int) -> str:
    stop = text.rfind(". ", 0, start)
    left = max(stop + 2 if stop != -1 else 0, text.rfind("\n", 0, start) + 1, start - SNIPPET)
    stops = [i for i in (text.find(". ", end), text.find("\n", end)) if i != -1]
    right = min([*stops, end + SNIPPET, len(text)])
    return text[max(left, 0) : right + 1].strip()


def mentions(text: str) -> list[Mention]:
    """Names tied to contact or recruitment that the platform vocabulary lacks, in order."""
    found = []
    for m in PATTERN.finditer(text):
        name = m.group("name").strip(" .-")
        if len(name) < 3 or name.isdigit() or _known(name):
            continue
        if m.group("after") and "años" in m.group("after"):
            continue  # "a través de Juan, de 30 años": a person
        if _HONORIFIC.search(text[max(0, m.start("name") - 12) : m.start("name")]):
            continue
        found.append(
            Mention(
                name=name,
                key=vocab.fold(name),
                cue=text[m.start() : m.start("name")].strip(),
                snippet=_snippet(text, m.start(), m.end()),
                start=m.start("name"),
                end=m.end("name"),
            )
        )
    return found
