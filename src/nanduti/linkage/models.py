"""Linkage runs and their results: which victim records are one person.

Nothing here holds an identifier, clear or encoded: a run keeps its scheme, parameters and
the key's fingerprint; results are victim ids, person numbers and similarity scores.
The current result is the newest run that succeeded: a failed or killed run (left
``running``) never replaces it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nanduti.registry.models import Victim


class LinkageRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "En curso / Running"
        SUCCEEDED = "succeeded", "Terminada / Succeeded"
        FAILED = "failed", "Fallida / Failed"

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    mode = models.CharField(max_length=10)  # encoded | clear
    scheme = models.CharField(max_length=40)
    parameters = models.JSONField(default=dict, blank=True)
    key_fingerprint = models.CharField(max_length=32, blank=True, default="")
    threshold = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=40, blank=True, default="")
    records = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    no_identifier = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    split = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("ejecución de enlace")
        verbose_name_plural = _("ejecuciones de enlace")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.mode} {self.status} ({self.started_at:%Y-%m-%d %H:%M})"

    NONE_YET = (
        "Todavía no hay un enlace de registros terminado: ejecute «nanduti link run» / "
        "no finished linkage run yet: run «nanduti link run»"
    )

    @classmethod
    def current(cls) -> LinkageRun | None:
        return cls.objects.filter(status=cls.Status.SUCCEEDED).order_by("-finished_at").first()


class PersonKey(models.Model):
    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="keys")
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="linkage_keys")
    person = models.PositiveIntegerField()  # 1…persons, within its run

    class Meta:
        verbose_name = _("clave de persona")
        verbose_name_plural = _("claves de persona")
        constraints = [models.UniqueConstraint(fields=["run", "victim"], name="unique_run_victim")]
        indexes = [models.Index(fields=["run", "person"])]

    def __str__(self) -> str:
        return f"run {self.run_id}: victim {self.victim_id} → person {self.person}"


class UncertainPair(models.Model):
    """A pair the model scored between the review floor and the run's threshold."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="uncertain")
    first = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    # Dice of the record-level filters (names, birth year, sex, department).
    name_dice = models.FloatField(null=True)

    class Meta:
        verbose_name = _("par incierto")
        verbose_name_plural = _("pares inciertos")
        ordering = ["-probability", "id"]

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.first_id} ~ {self.second_id} ({self.probability:.3f})"
