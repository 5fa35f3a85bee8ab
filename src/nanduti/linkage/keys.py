"""The shared linkage key, from settings (``NANDUTI_LINKAGE_KEY``; read in settings.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from nanduti.linkage.encoding import Encoder


def encoder() -> Encoder:
    """An encoder keyed with the shared secret; production refuses the development key."""
    key = settings.LINKAGE_KEY
    if getattr(settings, "PRODUCTION", False) and key == settings.DEV_LINKAGE_KEY:
        raise ImproperlyConfigured(
            "Producción requiere NANDUTI_LINKAGE_KEY (la clave que comparten las "
            "instituciones) / production requires NANDUTI_LINKAGE_KEY (the key the "
            "institutions share)"
        )
    return Encoder(key.encode("utf-8"))
