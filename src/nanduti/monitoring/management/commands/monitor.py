"""``nanduti monitor``: press and job-ad monitoring from the command line.

Thin edge: every subcommand parses arguments and calls a library function.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Monitoreo de prensa y avisos / press and job-ad monitoring: "
        "extract, screen-ads, train, batch, fetch, run"
    )
    # Django's system checks import every URL and view (the API alone takes seconds to
    # import); a batch command needs none of them, and start-up counts in its throughput.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        extract = sub.add_parser("extract", help="JSONL de artículos → hechos / articles → facts")
        extract.add_argument("input")
        extract.add_argument("-o", "--output", required=True)
        ads = sub.add_parser("screen-ads", help="señales de alerta en avisos / job-ad red flags")
        ads.add_argument("input")
        ads.add_argument("-o", "--output", required=True)
        train = sub.add_parser("train", help="reentrenar el modelo / retrain the model")
        train.add_argument("--labelled", action="append", default=[], help="JSONL etiquetado")
        train.add_argument("--no-analysts", action="store_true", help="sin decisiones")
        train.add_argument("--folds", type=int, default=5)
        train.add_argument("--seed", type=int, default=0)
        train.add_argument("--output", default=None, help="ruta del modelo / model path")
        batch = sub.add_parser("batch", help="carpeta de fragmentos JSONL / folder of shards")
        batch.add_argument("input")
        batch.add_argument("-o", "--output", required=True)
        batch.add_argument("--workers", type=int, default=None)
        batch.add_argument("--engine", choices=("processes", "spark"), default="processes")
        batch.add_argument(
            "--master",
            default="local[*]",
            help="Spark: local[N] o spark://host:puerto / local[N] or spark://host:port",
        )
        fetch = sub.add_parser("fetch", help="descargar fuentes / fetch sources")
        fetch.add_argument("--source", action="append", default=[], help="nombre de fuente")
        run = sub.add_parser("run", help="procesar artículos guardados / run on stored articles")
        run.add_argument("--limit", type=int, default=None)
        run.add_argument("--rerun", action="store_true")

    def handle(self, *args, action, **options):
        handler = getattr(self, "do_" + action.replace("-", "_"))
        handler(**options)

    def _check_input(self, path: str) -> None:
        if not Path(path).exists():
            raise CommandError(f"No existe el archivo {path} / file {path} does not exist")

    def _report(self, report) -> None:
        for number, error in report.invalid[:50]:
            self.stderr.write(f"línea / line {number}: {error}")
        for number, item_id, warning in report.warnings[:50]:
            self.stderr.write(f"línea / line {number} (id {item_id}): {warning}")
        hidden = max(len(report.invalid) - 50, 0) + max(len(report.warnings) - 50, 0)
        if hidden:
            self.stderr.write(f"... {hidden} más / more")
        self.stdout.write(report.summary())
        if report.read == 0 and report.invalid:
            raise CommandError("No se pudo leer ninguna línea / no line could be read")

    def do_extract(self, input, output, **_):
        from nanduti.monitoring.extract.pipeline import extract_jsonl

        self._check_input(input)
        self._report(extract_jsonl(input, output))

    def do_screen_ads(self, input, output, **_):
        from nanduti.monitoring.extract.pipeline import screen_ads_jsonl

        self._check_input(input)
        self._report(screen_ads_jsonl(input, output))

    def do_train(self, labelled, no_analysts, folds, seed, output, **_):
        from nanduti.monitoring import training
        from nanduti.monitoring.extract.relevance import MODEL_PATH

        for path in labelled:
            self._check_input(path)
        try:
            rows = training.gather(labelled, with_analysts=not no_analysts)
            result = training.train(rows, folds=folds, seed=seed)
        except ValueError as error:
            raise CommandError(str(error)) from error
        path = Path(output) if output else MODEL_PATH
        training.save(result, path)
        for key, value in result.counts.items():
            self.stdout.write(f"{key}: {value}")
        self.stdout.write(f"Validación cruzada / cross-validation ({folds} folds, grouped):")
        for name, metrics in result.cv.items():
            self.stdout.write(f"  {name:13s} {metrics.line()}")
        self.stdout.write(f"Modelo guardado en / model saved to {path}")

    def do_batch(self, input, output, workers, engine, master, **_):
        from nanduti.monitoring.extract import batch

        if not Path(input).is_dir():
            raise CommandError(f"{input} no es una carpeta / is not a folder")
        if engine == "spark":
            try:
                report = batch.run_spark(input, output, master=master)
            except ImportError as error:
                raise CommandError(
                    "Falta pyspark: pip install 'nanduti[spark]' / "
                    "pyspark is missing: pip install 'nanduti[spark]'"
                ) from error
        else:
            report = batch.run_processes(input, output, workers=workers)
        self._report(report)

    def do_fetch(self, source, **_):
        from nanduti.monitoring.crawler import fetch_all

        sources = None
        if source:
            from nanduti.monitoring.models import Source

            sources = list(Source.objects.filter(name__in=source))
            if not sources:
                raise CommandError("Ninguna fuente con ese nombre / no source with that name")
        fetch_all(sources, stdout=self.stdout)  # prints its own progress and summary

    def do_run(self, limit, rerun, **_):
        from nanduti.jobs.terminal import progress_bar
        from nanduti.monitoring.store import run_on_stored_articles

        with progress_bar("monitoreo / monitoring", " artículos") as progress:
            report = run_on_stored_articles(limit, rerun=rerun, progress=progress)
        self.stdout.write(report.summary())
        for error in report.errors[:50]:
            self.stderr.write(error)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: nanduti monitor ...")
