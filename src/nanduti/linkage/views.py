"""The stewards' linkage page: runs, and the uncertain pairs of the current one.

A pair shows only non-identifying attributes (institution, sex, age band, department,
year) and similarity scores; a steward may open the side that belongs to their own
institution (the case page, which shows identifiers to that institution only).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from nanduti.linkage.models import LinkageRun, UncertainPair
from nanduti.registry import permissions
from nanduti.registry.models import Role, Victim

PAIRS_SHOWN = 200


def _side(victim: Victim, own_institution: int | None) -> dict:
    case = victim.case
    return {
        "institution": case.institution.code,
        "sex": victim.sex,
        "age_band": victim.age_band,
        "department": victim.residence_department or case.department,
        "year": case.year,
        "case_id": case.pk if case.institution_id == own_institution else None,
    }


@login_required
def runs_page(request):
    if permissions.role(request.user) not in (Role.STEWARD, Role.ADMIN):
        raise PermissionDenied
    own = permissions.institution_id(request.user)
    current = LinkageRun.current()
    pairs = []
    if current is not None:
        related = ("first__case__institution", "second__case__institution")
        for p in UncertainPair.objects.filter(run=current).select_related(*related)[:PAIRS_SHOWN]:
            pairs.append(
                {
                    "probability": p.probability,
                    "name_dice": p.name_dice,
                    "sides": [_side(p.first, own), _side(p.second, own)],
                }
            )
    return render(
        request,
        "linkage/runs.html",
        {
            "runs": LinkageRun.objects.select_related("started_by")[:30],
            "current": current,
            "pairs": pairs,
            "pairs_total": current.uncertain.count() if current else 0,
        },
    )
