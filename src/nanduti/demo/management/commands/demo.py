"""``nanduti demo [--no-serve] [--port N] [--cases N] [--seed S]``.

Sets up a demonstration on this machine (:func:`nanduti.demo.run.set_up`: migrations,
vocabularies, institutions, demo users with printed passwords, synthetic cases through the
importer, sample monitoring, record linkage, official figures), prints a summary and serves
the web interface at http://127.0.0.1:PORT.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from nanduti.demo.run import DemoFailed, set_up
from nanduti.demo.summary import summary_lines


class Command(BaseCommand):
    help = (
        "Prepara y sirve una demostración con datos sintéticos / "
        "sets up and serves a demonstration with synthetic data"
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="load and exit")
        parser.add_argument("--port", type=int, default=8000, help="default 8000")
        parser.add_argument("--cases", type=int, default=2000, help="default 2000")
        parser.add_argument("--seed", type=int, default=2024, help="default 2024")

    def handle(self, *args, no_serve, port, cases, seed, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "La demostración crea usuarios con contraseñas conocidas: no se ejecuta con la "
                "configuración de producción / the demo creates users with known passwords: "
                "it does not run with production settings"
            )
        if cases < 0 or not 0 < port < 65536:
            raise CommandError("--cases ≥ 0, 0 < --port < 65536")
        try:
            outcome = set_up(
                cases, seed, self.stdout.write, self.stdout, options.get("verbosity", 1)
            )
        except DemoFailed as error:
            raise CommandError(str(error)) from error
        for line in summary_lines(outcome, f"http://127.0.0.1:{port}/"):
            self.stdout.write(line)
        if no_serve:
            return
        # Imports, reports and the other long work run as jobs: a worker beside the server.
        from nanduti.jobs.worker import WorkerThread

        worker = WorkerThread()
        worker.start()
        self.stdout.write(
            "+ trabajos en segundo plano / background jobs: trabajador en marcha / worker running"
        )
        try:
            # runserver serves the apps' static files itself while DEBUG is on (development).
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)
        finally:
            worker.stop(timeout=5)
