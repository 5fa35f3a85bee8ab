"""The production server: gunicorn running Ñandutí's WSGI application in this process.

Threaded workers (``gthread``): most of a request's time is spent waiting on the database,
so on 2 cores 2 processes of 4 threads keep both cores busy without piling up connections
(8 at most). Static files are served by WhiteNoise (``settings``), from ``STATIC_ROOT``.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


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


def serve(bind: str, workers: int, threads: int, timeout: int, access_log: bool) -> None:
    NandutiServer(
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": timeout,
            "graceful_timeout": 20,
            "keepalive": 5,
            "accesslog": "-" if access_log else None,
            # No address or browser of whoever sends a public report (nanduti.public_reports).
            "logger_class": "nanduti.public_reports.access_log.AccessLog",
            "proc_name": "nanduti",
            "control_socket_disable": True,  # no ~/.gunicorn socket shared between instances
        }
    ).run()
