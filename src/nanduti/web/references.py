"""Case references generated when the person recording a case leaves it empty."""

from __future__ import annotations

from nanduti.registry.models import Case


def next_reference(institution, year: int) -> str:
    """``<year>-<n>``: the next free number of the institution's cases for that year."""
    prefix = f"{year}-"
    n = Case.objects.filter(institution=institution, reference__startswith=prefix).count() + 1
    while Case.objects.filter(institution=institution, reference=f"{prefix}{n:05d}").exists():
        n += 1
    return f"{prefix}{n:05d}"
