"""The main menu and the page each role lands on after logging in.

An entry is shown only to users whose role lets them use its page, with the same checks
the pages themselves make, so no menu entry ends in "access not allowed".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nanduti.registry import permissions
from nanduti.registry.models import Role
from nanduti.registry.permissions import REVIEWERS


@dataclass(frozen=True)
class Entry:
    key: str
    path: str
    label: str | Promise
    allowed: Callable[[Any], bool]


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _manages(user) -> bool:
    """Stewards and administrators manage users (the admin, scoped to their institution)."""
    managers = (Role.STEWARD, Role.ADMIN)
    return _signed_in(user) and user.is_staff and permissions.role(user) in managers


ENTRIES: tuple[Entry, ...] = (
    Entry("cases", "/casos/", _("Casos"), permissions.may_open_cases),
    Entry("import", "/importar/", _("Importar"), permissions.can_import),
    Entry("review", "/revision/", _("Revisión"), lambda u: permissions.role(u) in REVIEWERS),
    Entry("stats", "/estadisticas/", _("Estadísticas"), _signed_in),
    Entry(
        "publications",
        "/estadisticas/publicaciones/",
        _("Publicaciones"),
        lambda u: permissions.role(u) in (Role.ANALYST, Role.STEWARD, Role.ADMIN),
    ),
    Entry(
        "linkage",
        "/enlace/",
        _("Enlace de registros"),
        lambda u: permissions.role(u) in (Role.STEWARD, Role.ADMIN),
    ),
    Entry("users", "/admin/registry/membership/", _("Usuarios"), _manages),
    Entry("jobs", "/trabajos/", _("Trabajos"), _signed_in),
    Entry("figures", "/cifras-oficiales/", _("Cifras oficiales"), lambda u: True),
    Entry("public", "/estadisticas/publico/", _("Público"), lambda u: True),
    Entry("report", "/denunciar/", _("Denunciar"), lambda u: True),
    Entry("admin", "/admin/", _("Administración"), lambda u: _signed_in(u) and u.is_superuser),
)

# Where each role lands after logging in: officers on their cases, analysts on the review
# queue, stewards on imports, administrators on the statistics of every institution.
HOME_OF_ROLE: dict[str, str] = {
    Role.OFFICER: "cases",
    Role.ANALYST: "review",
    Role.STEWARD: "import",
    Role.ADMIN: "stats",
}


MEMO = "_nanduti_menu_entries"


def entries(user) -> list[Entry]:
    """The menu entries this user may use, in menu order. Worked out once per user object
    (a request's user, whose role does not change while its page is made): the frame, the
    start page and the page's own links ask up to three times."""
    found = getattr(user, MEMO, None) if user is not None else None
    if found is None:
        found = [e for e in ENTRIES if e.allowed(user)]
        if user is not None and getattr(user, "is_authenticated", False):
            setattr(user, MEMO, found)
    return list(found)


def home_path(user) -> str:
    """The user's own start page: their role's, or the first entry they may use."""
    allowed = {e.key: e for e in entries(user)}
    role = permissions.role(user)
    wanted = HOME_OF_ROLE.get(role) if role else None
    if wanted is not None and wanted in allowed:
        return allowed[wanted].path
    for entry in allowed.values():
        if entry.key not in ("public", "report"):
            return entry.path
    return "/"


def current(entries_: list[Entry], path: str) -> str:
    """The key of the entry the page at ``path`` belongs to (the longest matching path)."""
    matching = [e for e in entries_ if path.startswith(e.path) and e.path != "/"]
    return max(matching, key=lambda e: len(e.path)).key if matching else ""
