"""Starting, running, cancelling and reaping jobs.

A job is a :class:`~nanduti.jobs.models.Job` row plus one task of the task library
(``django_tasks`` with the ``django_tasks_db`` backend) that a worker — ``nanduti worker``,
or the demo's own — picks up and hands to :func:`execute`. The work reports
``progress(done, total)``; each report is also where a cancel request takes effect, so work
stops between two committed steps and never half-way through one. A job whose worker died
stops beating (``heartbeat_at``) and is marked failed by :func:`reap_stale`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Q
from django.utils import timezone

from nanduti.jobs.failures import Cancelled, JobFailed
from nanduti.jobs.models import Job

logger = logging.getLogger(__name__)

# How often a running job says it is alive, and after how long without it a job is dead.
HEARTBEAT_SECONDS = 5.0
# Progress is written at most this often (a 1M-row import reports thousands of chunks).
PROGRESS_SECONDS = 0.5


def stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "NANDUTI_JOB_STALE_SECONDS", 60))


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def cancel(job: Job) -> None:
    """A queued job is cancelled now; a running one at its next progress step."""
    Job.objects.filter(pk=job.pk, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).update(
        cancel_requested=True
    )
    cancelled = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED,
        finished_at=timezone.now(),
        error_es="Cancelado antes de empezar.",
        error_en="Cancelled before it started.",
    )
    job.refresh_from_db()
    if cancelled:
        from nanduti.jobs.kinds import discard_upload

        discard_upload(job)


class Progress:
    """The ``progress(done, total)`` callback handed to the work."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0
        self.done = 0
        self.total: int | None = None

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        Job.objects.filter(pk=self.job_id).update(
            done=done, total=total, heartbeat_at=timezone.now()
        )
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise Cancelled


class Heartbeat:
    """Beats for a job from a thread of its own while a long step reports no progress."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat")

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:  # a busy database: the next beat will do
                    logger.debug("heartbeat of job %s skipped", self.job_id, exc_info=True)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()


def execute(job_id: int) -> str:
    """Runs a queued job to its end; returns its final status. Called by the worker's task."""
    from nanduti.jobs.kinds import KINDS

    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, worker=this_worker()
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:  # cancelled while queued, or already run
        return job.status
    progress = Progress(job_id)
    outcome: dict = {"status": Job.Status.SUCCEEDED}
    with Heartbeat(job_id):
        try:
            outcome["result"] = KINDS[job.kind].run(job, progress) or {}
        except Cancelled:
            outcome = {
                "status": Job.Status.CANCELLED,
                "error_es": f"Cancelado a pedido, tras {progress.done} de {progress.total or '?'}.",
                "error_en": f"Cancelled on request, after {progress.done} of "
                f"{progress.total or '?'}.",
            }
        except JobFailed as failure:
            outcome = {
                "status": Job.Status.FAILED,
                "error_es": failure.es,
                "error_en": failure.en,
                "result": failure.result,
            }
        except Exception as error:  # noqa: BLE001 - the job must say it failed, and why
            logger.exception("job %s failed", job_id)
            outcome = {
                "status": Job.Status.FAILED,
                "error_es": f"Error interno ({type(error).__name__}); quedó registrado.",
                "error_en": f"Internal error ({type(error).__name__}); it was logged.",
            }
        except BaseException:  # the worker is being stopped: say so, then let it stop
            Job.objects.filter(pk=job_id).update(
                status=Job.Status.FAILED,
                finished_at=timezone.now(),
                done=progress.done,
                total=progress.total,
                error_es="Se detuvo el proceso que lo ejecutaba; lo guardado quedó guardado.",
                error_en="The process running it was stopped; what was stored stays stored.",
            )
            raise
    fields = {"done": progress.done, "total": progress.total, **outcome}
    if outcome["status"] == Job.Status.SUCCEEDED and progress.total:
        fields["done"] = progress.total
    Job.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)
    return outcome["status"]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_here(worker: str) -> bool:
    """A worker of this machine whose process is gone."""
    host, _, pid = worker.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _pid_alive(int(pid))


def reap_stale(jobs=None) -> int:
    """Marks failed the running jobs whose worker died: it stopped beating, or (same machine)
    its process is gone. What they stored stays: every step they committed is whole."""
    from django_tasks_db.models import DBTaskResult

    from nanduti.jobs.kinds import discard_upload

    running = (jobs if jobs is not None else Job.objects).filter(status=Job.Status.RUNNING)
    cutoff = timezone.now() - stale_after()
    reaped = 0
    for job in running:
        if not (job.heartbeat_at is None or job.heartbeat_at < cutoff or _dead_here(job.worker)):
            continue
        reaped += Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error_es=(
                f"El proceso que lo ejecutaba se detuvo tras {job.done} de {job.total or '?'}. "
                "Lo guardado hasta entonces quedó guardado entero; puede volver a iniciarlo."
            ),
            error_en=(
                f"The process running it stopped after {job.done} of {job.total or '?'}. "
                "What was stored until then stayed stored whole; you may start it again."
            ),
        )
        if job.task_id:
            DBTaskResult.objects.filter(pk=job.task_id, status="RUNNING").update(
                status="FAILED", finished_at=timezone.now()
            )
        discard_upload(job)
    return reaped


def visible_to(user):
    """The jobs a user may see: their own; an institution's steward sees the institution's;
    an admin sees all."""
    from nanduti.registry import permissions
    from nanduti.registry.models import Role

    role = permissions.role(user)
    if role == Role.ADMIN:
        return Job.objects.all()
    mine = Q(started_by=user)
    own = permissions.institution_id(user)
    if role == Role.STEWARD and own is not None:
        mine |= Q(institution_id=own)
    return Job.objects.filter(mine)


def wait_for(job: Job, timeout: float, poll: float = 0.2) -> Job:
    """The job once finished (or as it is at ``timeout``): for the CLI and tests."""
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.finished or time.monotonic() > deadline:
            return job
        close_old_connections()
        time.sleep(poll)
