from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "nanduti.linkage"
    verbose_name = "linkage"
