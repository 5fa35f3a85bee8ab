from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "nanduti.web"
    verbose_name = "web"
