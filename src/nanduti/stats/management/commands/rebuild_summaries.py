"""``nanduti rebuild-summaries``: rebuild the statistics summary if the data changed."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from nanduti.stats import snapshot
from nanduti.stats.rebuild import rebuild_summaries


class Command(BaseCommand):
    help = (
        "Reconstruye el resumen de estadísticas si los datos cambiaron / "
        "rebuild the statistics summary if the data changed"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--watch",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Repite cada SECONDS segundos (proceso trabajador) / repeat every SECONDS "
            "seconds (a worker process)",
        )

    def handle(self, *args, watch: float, **options):
        while True:
            before = time.perf_counter()
            state = rebuild_summaries(wait=True)
            assert state is not None  # wait=True: this process waits for the lock
            if not watch or time.perf_counter() - before > 0.5:  # watching: only rebuilds
                copied = snapshot.current()
                if copied is not None:
                    self.stdout.write(
                        f"Instantánea al día / snapshot current: {copied.rows} filas / rows, "
                        f"{copied.size / 2**20:.1f} MiB (construida en / built in "
                        f"{copied.seconds:.1f} s)"
                    )
                self.stdout.write(
                    f"Resumen al día / summary current: {state.rows} filas / rows, "
                    f"{state.version.get('cases')} casos / cases (construido en / built in "
                    f"{state.seconds:.1f} s)"
                )
            if not watch:
                return
            time.sleep(watch)
