"""The worker that runs queued jobs: django_tasks_db's, after reaping the jobs of workers
that died. ``nanduti worker`` runs one in the foreground; ``nanduti demo`` one in a thread
beside its web server."""

from __future__ import annotations

import threading

from django.db import connection
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks_db.management.commands.db_worker import Worker

from nanduti.jobs.runner import reap_stale


def make_worker(*, interval: float = 1.0, batch: bool = False) -> Worker:
    return Worker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )


class WorkerThread(threading.Thread):
    """A worker beside a web server in one process (the demo); ``stop()`` ends it after the
    job it is running."""

    def __init__(self, interval: float = 0.5):
        super().__init__(name="nanduti-jobs-worker", daemon=True)
        self.worker = make_worker(interval=interval)

    def run(self) -> None:
        try:
            reap_stale()
            self.worker.run()
        finally:
            connection.close()

    def stop(self, timeout: float | None = None) -> None:
        self.worker.running = False
        self.join(timeout)
