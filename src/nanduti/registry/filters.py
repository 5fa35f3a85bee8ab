"""Case-list search and filters, shared by the web list and the API.

Filters on child rows (platform, exploitation type, sex) use EXISTS sub-queries so a
case with several matching rows is listed once and the database can use the child
tables' indexes.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from nanduti.registry.models import Case, Exploitation, TechnologyUse, Victim

# name → (what it filters, how)
FILTERS = (
    "year",
    "department",
    "platform",
    "exploitation_type",
    "sex",
    "legal_status",
    "source",
)


def filter_cases(qs: QuerySet[Case], params: dict) -> QuerySet[Case]:
    """Apply ``q`` (reference or summary text) and the filters present in ``params``."""
    q = (params.get("q") or "").strip()
    if q and qs.filter(reference=q).exists():
        # A case number typed in full: one indexed lookup instead of scanning summaries.
        qs = qs.filter(reference=q)
    elif q:
        qs = qs.filter(Q(reference__icontains=q) | Q(summary__icontains=q))
    year = str(params.get("year") or "").strip()
    if year.isdigit():
        qs = qs.filter(year=int(year))
    for name in ("department", "legal_status", "source"):
        value = (params.get(name) or "").strip()
        if value:
            qs = qs.filter(**{name: value})
    platform = (params.get("platform") or "").strip()
    if platform:
        qs = qs.filter(Exists(TechnologyUse.objects.filter(case=OuterRef("pk"), platform=platform)))
    exploitation = (params.get("exploitation_type") or "").strip()
    if exploitation:
        qs = qs.filter(Exists(Exploitation.objects.filter(case=OuterRef("pk"), type=exploitation)))
    sex = (params.get("sex") or "").strip()
    if sex:
        qs = qs.filter(Exists(Victim.objects.filter(case=OuterRef("pk"), sex=sex)))
    return qs


def active_filters(params: dict) -> dict[str, str]:
    return {k: str(params.get(k)).strip() for k in ("q", *FILTERS) if params.get(k)}
