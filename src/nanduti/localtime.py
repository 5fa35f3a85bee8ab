"""Times as people in Paraguay read them: local, with the zone named, never UTC beside them."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone


def local_time(iso: str | None) -> str:
    """An ISO timestamp as "06/12/2026 21:27 (America/Asuncion)"; "" for none."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    local = timezone.localtime(moment)
    return f"{local:%d/%m/%Y %H:%M} ({settings.TIME_ZONE})"
