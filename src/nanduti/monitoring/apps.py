from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "nanduti.monitoring"
    verbose_name = "monitoring"
