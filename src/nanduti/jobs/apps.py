from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Long work (imports, monitoring, reports, summaries, linkage) run outside requests."""

    name = "nanduti.jobs"
    verbose_name = "trabajos en segundo plano"
