"""``nanduti serve``: the production web server (gunicorn + WhiteNoise)."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from nanduti.ops.server import KEEPALIVE, serve


class Command(BaseCommand):
    help = (
        "Sirve la interfaz web y la API en producción / serve the web interface and the API "
        "in production (gunicorn)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default="127.0.0.1:8000",
            help="HOST:PORT (127.0.0.1:8000); detrás de un proxy TLS / behind a TLS reverse proxy",
        )
        cores = os.cpu_count() or 1
        parser.add_argument(
            "--workers", type=int, default=cores, help=f"procesos / processes ({cores})"
        )
        parser.add_argument("--threads", type=int, default=4, help="hilos por proceso / threads")
        parser.add_argument("--timeout", type=int, default=60, help="segundos / seconds")
        parser.add_argument(
            "--keepalive",
            type=int,
            default=KEEPALIVE,
            help=f"segundos que una conexión espera otra petición ({KEEPALIVE}: cada petición "
            f"en su conexión) / seconds a connection waits for another request ({KEEPALIVE}: "
            "one request per connection)",
        )
        parser.add_argument("--access-log", action="store_true", help="registro de accesos")
        parser.add_argument(
            "--jobs-workers",
            type=int,
            default=1,
            help="procesos `nanduti worker` que inicia (1; 0: ninguno) / job worker processes "
            "it starts (1; 0: none, run `nanduti worker` yourself)",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="no copia /static/ / skip collectstatic"
        )

    def handle(
        self, *args, bind, workers, threads, timeout, keepalive, access_log, jobs_workers, **options
    ):
        if jobs_workers < 0:
            raise SystemExit("--jobs-workers debe ser ≥ 0 / --jobs-workers must be ≥ 0")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"nanduti serve: http://{bind}/ ({workers} × {threads}; "
            f"{jobs_workers} trabajador(es) / job worker(s))"
        )
        self.stdout.flush()
        serve(bind, workers, threads, timeout, keepalive, access_log, jobs_workers)
