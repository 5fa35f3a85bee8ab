"""Vocabulary terms mirrored from the versioned data files in ``taxonomy/data``.

The files are the source of truth (``nanduti.taxonomy.vocab`` reads them directly);
the table lets SQL, the admin and the API show labels and which version is loaded.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Term(models.Model):
    vocabulary = models.CharField(max_length=40)
    code = models.CharField(max_length=120)
    label_es = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    parent_code = models.CharField(max_length=120, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("término")
        verbose_name_plural = _("términos")
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="unique_term_code")
        ]
        ordering = ["vocabulary", "sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.vocabulary}:{self.code}"


class VocabularyVersion(models.Model):
    vocabulary = models.CharField(max_length=40, unique=True)
    version = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    terms = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("versión de vocabulario")
        verbose_name_plural = _("versiones de vocabulario")

    def __str__(self) -> str:
        return f"{self.vocabulary} {self.version}"
