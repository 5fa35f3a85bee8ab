from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "nanduti.figures"
    verbose_name = "Cifras oficiales / Official figures"
