"""Who may see what: least privilege by role and institution."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q, QuerySet

from nanduti.registry.models import Case, Membership, Role, Source

# Roles that review press stories (nanduti.monitoring) and so confirm press cases.
REVIEWERS = (Role.ANALYST, Role.STEWARD, Role.ADMIN)


def membership(user) -> Membership | None:
    """The user's membership, read once per user object with its institution (every page's
    frame names the institution: one query, not two)."""
    if not getattr(user, "is_authenticated", False):
        return None
    related = Membership._meta.get_field("user").remote_field  # user.membership's cache
    if not related.is_cached(user):
        found = Membership.objects.select_related("institution").filter(user=user).first()
        related.set_cached_value(user, found)
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


# Read with the user wherever a request loads them (the session's backend, an API token):
# every page and API call asks for the membership and names its institution.
WITH_MEMBERSHIP = "membership__institution"


class MembershipBackend(ModelBackend):
    """Django's user-and-password backend whose ``get_user`` (once per request with a
    session) reads the membership and its institution in the user's query: one query
    instead of two on every page."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related(WITH_MEMBERSHIP)
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def role(user) -> str | None:
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    m = membership(user)
    return m.role if m else None


def institution_id(user) -> int | None:
    m = membership(user)
    return m.institution_id if m else None


def visible_cases(user) -> QuerySet[Case]:
    """Case records a user may open: their own institution's, and for reviewers the press
    cases they confirmed.

    Analysts and admins see everyone's cases as statistics only (``nanduti.stats``).
    """
    own = institution_id(user)
    confirmed = (
        Q(source=Source.PRESS, created_by_id=user.pk)
        if role(user) in REVIEWERS and user.pk is not None
        else None
    )
    if own is None:
        return Case.objects.filter(confirmed) if confirmed is not None else Case.objects.none()
    mine = Q(institution_id=own)
    return Case.objects.filter(mine | confirmed if confirmed is not None else mine)


def may_open_cases(user) -> bool:
    """Whether the case pages are for this user: a member of an institution, or a reviewer
    (who opens the press cases they confirmed)."""
    return institution_id(user) is not None or role(user) in REVIEWERS


def can_edit(user, case: Case) -> bool:
    return role(user) in (Role.OFFICER, Role.STEWARD, Role.ADMIN) and (
        case.institution_id == institution_id(user)
    )


def can_see_identifying(user, case: Case) -> bool:
    """Identifying data is shown to users of the owning institution only."""
    return role(user) in (Role.OFFICER, Role.STEWARD) and case.institution_id == institution_id(
        user
    )


def can_import(user) -> bool:
    return (
        role(user) in (Role.OFFICER, Role.STEWARD, Role.ADMIN) and institution_id(user) is not None
    )


def can_see_exact_statistics(user) -> bool:
    """Exact (undisclosed) counts across institutions: analysts and admins only."""
    return role(user) in (Role.ANALYST, Role.ADMIN)
