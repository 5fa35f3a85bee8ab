"""``nanduti worker``: runs background jobs (imports, monitoring, reports, summaries,
linkage) until stopped."""

from django.core.management.base import BaseCommand

from nanduti.jobs.queue import prune
from nanduti.jobs.runner import reap_stale
from nanduti.jobs.worker import make_worker


class Command(BaseCommand):
    help = (
        "Ejecuta los trabajos en segundo plano hasta que se lo detenga / runs background jobs "
        "until stopped"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="segundos entre consultas a la cola vacía / seconds between polls of an "
            "empty queue (default 1)",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="ejecuta lo que espera y termina / runs what is waiting, then exits",
        )

    def handle(self, *args, interval, batch, **options):
        reaped = reap_stale()
        if reaped:
            self.stdout.write(
                f"{reaped} trabajo(s) de un proceso detenido marcados fallidos / job(s) of a "
                "stopped process marked failed"
            )
        pruned = prune()
        if pruned:
            self.stdout.write(
                f"{pruned} trabajo(s) terminado(s) antiguo(s) borrado(s) / old finished job(s) "
                "deleted"
            )
        worker = make_worker(interval=interval, batch=batch)
        worker.configure_signals()
        self.stdout.write("trabajador en marcha / worker running (Ctrl+C: stop)")
        worker.run()
