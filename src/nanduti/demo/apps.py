from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration: synthetic data across every part (``nanduti demo``,
    ``nanduti generate-demo``). It has no models of its own."""

    name = "nanduti.demo"
    verbose_name = "Demostración / demo"
