"""One row per background job: what it is, who started it, how far it got, how it ended.

The task library's own row (``django_tasks_db``) says only whether a worker ran the task;
this one is what people see: progress, the cancel request, and errors in both languages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nanduti.registry.models import Institution


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", _("Importación")
        MONITOR = "monitor", _("Monitoreo de noticias")
        REPORT = "report", _("Informe")
        SUMMARIES = "summaries", _("Resumen estadístico")
        LINKAGE = "linkage", _("Enlace de registros")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En espera")
        RUNNING = "running", _("En curso")
        SUCCEEDED = "succeeded", _("Terminado")
        FAILED = "failed", _("Fallido")
        CANCELLED = "cancelled", _("Cancelado")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=255, blank=True, default="")  # e.g. the file's name
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)  # None: not known (yet)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the running job every few seconds: a stale one means its worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=120, blank=True, default="")  # host:pid
    cancel_requested = models.BooleanField(default=False)
    error_es = models.TextField(blank=True, default="")
    error_en = models.TextField(blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))
