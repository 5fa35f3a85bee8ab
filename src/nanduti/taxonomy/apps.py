from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "nanduti.taxonomy"
    verbose_name = "taxonomy"
