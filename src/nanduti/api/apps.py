from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "nanduti.api"
    verbose_name = "api"
