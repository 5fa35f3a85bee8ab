from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "nanduti.registry"
    verbose_name = "registry"
