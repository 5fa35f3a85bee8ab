"""Starting a job: its row, and its task on the task library's queue for a worker."""

from __future__ import annotations

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
