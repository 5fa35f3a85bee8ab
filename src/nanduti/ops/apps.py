from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Ñandutí: the production server, backups and restores."""

    name = "nanduti.ops"
    verbose_name = "operations"
