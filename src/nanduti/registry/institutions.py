"""Institutions named in files and on the command line: by code, name or alias, created
from the ``institution`` vocabulary when first met (imports, exports, the demo)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from nanduti.registry.io.values import CellError
from nanduti.registry.models import Institution
from nanduti.taxonomy import vocab


class UnknownInstitution(CellError):
    pass


def existing_codes() -> dict[str, str]:
    """Every institution's code, also by its lower case (a file may write «ufetesi»)."""
    codes = list(Institution.objects.values_list("code", flat=True))
    return {**{c.lower(): c for c in reversed(codes)}, **{c: c for c in codes}}


def institution_code(text: str, existing: dict[str, str]) -> str:
    """The code of the institution a cell names (code, name or alias); the institution may
    not exist yet (see :func:`ensure_institution`). Raises :class:`UnknownInstitution`."""
    text = (text or "").strip()
    found = existing.get(text) or existing.get(text.lower())
    if found:
        return found
    try:
        institutions = vocab.get("institution")
    except (KeyError, FileNotFoundError):
        institutions = None
    match = institutions.normalize(text) if institutions and text else None
    if match is None or match.code in ("unknown", "not_asked"):
        suggestions = list(dict.fromkeys(existing.values()))[:50]
        if institutions is not None:
            labels = [institutions.label(c) for c in institutions.suggestions(text)]
            suggestions = labels + suggestions[:2]
        why = _("institución desconocida «%(text)s»")
        raise UnknownInstitution(why, suggestions[:4], text=text)
    return match.code


def ensure_institution(code: str) -> Institution:
    """The institution with this code, created from the ``institution`` vocabulary if needed;
    else :class:`UnknownInstitution` (Spanish / English, with suggestions)."""
    found = institution_code(code, existing_codes())
    institution = Institution.objects.filter(code=found).first()
    if institution is None:
        term = vocab.get("institution").get(found)
        assert term is not None  # institution_code returns only vocabulary codes or raises
        # Two import processes may create it at once: the second one waits, then finds it.
        Institution.objects.bulk_create(
            [Institution(code=term.code, name=term.label_es, kind=term.parent)],
            ignore_conflicts=True,
        )
        institution = Institution.objects.get(code=term.code)
    return institution
