"""``nanduti prune-jobs``: deletes finished background jobs older than N days."""

from django.conf import settings
from django.core.management.base import BaseCommand

from nanduti.jobs.queue import prune


class Command(BaseCommand):
    help = (
        "Borra los trabajos terminados hace más de N días / deletes background jobs that "
        "finished more than N days ago"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="días a conservar / days to keep (NANDUTI_JOBS_KEEP_DAYS, "
            f"{settings.NANDUTI_JOBS_KEEP_DAYS})",
        )

    def handle(self, *args, days, **options):
        if days is not None and days < 0:
            raise SystemExit("--days debe ser ≥ 0 / --days must be ≥ 0")
        gone = prune(days)
        self.stdout.write(f"{gone} trabajo(s) borrado(s) / job(s) deleted")
