"""The production server: gunicorn running Ñandutí's WSGI application in this process.

Threaded workers (``gthread``): most of a request's time is spent waiting on the database,
so on 2 cores 2 processes of 4 threads keep both cores busy without piling up connections
(8 at most). Static files are served by WhiteNoise (``settings``), from ``STATIC_ROOT``.

Background jobs (imports, reports, statistics rebuilds) need a worker: ``serve`` starts
``nanduti worker`` processes of its own (``jobs_workers``, default 1) and stops them when it
stops; with 0, run ``nanduti worker`` as a service of its own.
"""

from __future__ import annotations

import subprocess
import sys

from gunicorn.app.base import BaseApplication

# A kept-alive connection stays with the process that accepted it: with a few busy clients
# one process can end up holding them all while the other idles (measured, docs/benchmarks/
# serve.md). Behind a reverse proxy, which keeps its own client connections, 0 costs nothing.
KEEPALIVE = 0


class NandutiServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from nanduti.wsgi import application

        return application


def start_job_workers(count: int) -> list[subprocess.Popen]:
    """``count`` ``nanduti worker`` processes beside the server, with its environment."""
    return [subprocess.Popen([sys.executable, "-m", "nanduti", "worker"]) for _ in range(count)]


def stop_job_workers(processes: list[subprocess.Popen], timeout: float = 30) -> None:
    """SIGTERM: each worker finishes the step it is on (an import's chunk) and exits."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()


def serve(
    bind: str,
    workers: int,
    threads: int,
    timeout: int,
    keepalive: int,
    access_log: bool,
    jobs_workers: int = 1,
) -> None:
    job_workers = start_job_workers(jobs_workers)
    try:
        _run(bind, workers, threads, timeout, keepalive, access_log)
    finally:
        stop_job_workers(job_workers)


def _run(
    bind: str, workers: int, threads: int, timeout: int, keepalive: int, access_log: bool
) -> None:
    NandutiServer(
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": timeout,
            "graceful_timeout": 20,
            "keepalive": keepalive,
            "accesslog": "-" if access_log else None,
            # No address or browser of whoever sends a public report (nanduti.public_reports).
            "logger_class": "nanduti.public_reports.access_log.AccessLog",
            "proc_name": "nanduti",
            "control_socket_disable": True,  # no ~/.gunicorn socket shared between instances
        }
    ).run()
