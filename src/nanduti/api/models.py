"""API tokens: only a SHA-256 of each token is stored; the token itself is shown once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, default="")
    # The first characters of the token, to tell tokens apart without revealing them.
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("token de la API")
        verbose_name_plural = _("tokens de la API")
        ordering = ["-created"]

    def __str__(self) -> str:
        state = " (revocado / revoked)" if self.revoked else ""
        return f"{self.prefix}… {self.user} {self.name}{state}"
