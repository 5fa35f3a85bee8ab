from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "nanduti.stats"
    verbose_name = "stats"
