"""Starting a job: its row, and its task on the task library's queue for a worker; pruning
finished ones."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from nanduti.jobs.models import Job
from nanduti.jobs.tasks import run_job


def start(
    kind: str, *, user=None, institution=None, params: dict | None = None, title: str = ""
) -> Job:
    """Records a job and queues it for a worker; returns at once."""
    job = Job.objects.create(
        kind=kind,
        started_by=user if getattr(user, "pk", None) else None,
        institution=institution,
        params=params or {},
        title=title[:255],
    )
    queued = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(queued.id))
    job.task_id = str(queued.id)
    return job


def request_summaries() -> Job:
    """A rebuild of the statistics snapshot and summary (``stats.rebuild`` asks for one after
    an import and when a page finds them stale): queued unless one is already waiting, which
    will see every change made before it starts."""
    waiting = Job.objects.filter(kind=Job.Kind.SUMMARIES, status=Job.Status.QUEUED).first()
    if waiting is not None:
        return waiting
    return start(Job.Kind.SUMMARIES, title="Reconstrucción automática / automatic rebuild")


def prune(days: int | None = None) -> int:
    """Deletes jobs that finished more than ``days`` ago (``NANDUTI_JOBS_KEEP_DAYS``), their
    task rows and their files (a report's PDF); returns how many jobs went. Queued and
    running jobs are never touched."""
    from django_tasks_db.models import DBTaskResult

    keep = settings.NANDUTI_JOBS_KEEP_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=keep)
    old = Job.objects.filter(status__in=Job.FINISHED, finished_at__lt=cutoff)
    ids = list(old.values_list("pk", flat=True))
    DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    old.delete()
    for pk in ids:
        shutil.rmtree(Path(settings.VAR_DIR) / "jobs" / str(pk), ignore_errors=True)
    return len(ids)
