"""``nanduti load-vocabularies``: mirror the vocabulary files into the database."""

from django.core.management.base import BaseCommand, CommandError

from nanduti.taxonomy import loader, vocab


class Command(BaseCommand):
    help = (
        "Carga los vocabularios de referencia en la base de datos / "
        "Load the reference vocabularies into the database"
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="vocabularies to load (default: all)")
        parser.add_argument("--force", action="store_true", help="reload unchanged files too")
        parser.add_argument(
            "--check", action="store_true", help="only validate the files, load nothing"
        )

    def handle(self, *args, names, force, check, **options):
        unknown = [n for n in names if n not in vocab.names()]
        if unknown:
            raise CommandError(
                f"Vocabulario desconocido / unknown vocabulary: {', '.join(unknown)} "
                f"(valid: {', '.join(vocab.names())})"
            )
        report = loader.validate()
        if options.get("verbosity", 1) >= 2:
            for warning in report.warnings:
                self.stderr.write(f"warning: {warning}")
        if not report.ok:
            raise CommandError(
                "Los vocabularios tienen errores / the vocabularies have errors:\n"
                + "\n".join(report.errors)
            )
        if check:
            self.stdout.write(f"{len(vocab.names())} vocabularies ok")
            return
        changes = loader.load_all(stdout=self.stdout, names=names or None, force=force)
        self.stdout.write(
            f"{sum(changes.values())} terms changed in "
            f"{sum(1 for c in changes.values() if c)} of {len(changes)} vocabularies"
        )
