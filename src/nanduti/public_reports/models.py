"""Reports from the public: a suspicious job offer, or a profile or contact.

Nothing here identifies the sender: no address, browser, cookie or exact time is kept (the
day only, so the row cannot be matched against a network's or server's logs). What was
written, the words that raised flags and the optional contact are encrypted at rest; the
screenshot is kept sealed on disk (``images``), without its metadata.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nanduti.registry.fields import CodeField, EncryptedJSONField, EncryptedTextField


class Kind(models.TextChoices):
    OFFER = "offer", _("Oferta de trabajo o aviso")
    PROFILE = "profile", _("Perfil o contacto")


class Status(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    CONFIRMED = "confirmed", _("Confirmada: sospechosa")
    REJECTED = "rejected", _("Descartada")


class PublicReport(models.Model):
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OFFER)
    platform = CodeField("platform")
    department = CodeField("department")
    text = EncryptedTextField()
    contact = EncryptedTextField(help_text="Only when the sender chose to leave one")
    # The screen's reasons with the words that triggered them (they quote the text).
    reasons = EncryptedJSONField(default=list)
    flags = models.JSONField(default=list, help_text="Red-flag codes found (no text)")
    score = models.FloatField(default=0.0, db_index=True)
    suspicious = models.BooleanField(default=False)
    # File name of the sealed screenshot under VAR_DIR/public_reports/ ("" = none).
    screenshot = models.CharField(max_length=120, blank=True, default="")
    received_on = models.DateField(db_index=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("denuncia del público")
        verbose_name_plural = _("denuncias del público")

    def __str__(self) -> str:
        return f"{self.pk} {self.get_kind_display()} {self.received_on}"
