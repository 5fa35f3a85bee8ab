from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Long work (imports, monitoring, reports, summaries, linkage) run outside requests."""

    name = "nanduti.jobs"
    verbose_name = "trabajos en segundo plano"

    def ready(self):
        from nanduti.jobs.queue import request_summaries
        from nanduti.stats import rebuild

        # Rebuilds of the statistics summary after an import, or when a page finds it
        # stale, become queued jobs (stats may not import jobs: it is handed the queue).
        rebuild.use_queue(request_summaries)
