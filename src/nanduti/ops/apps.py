from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Ñandutí: the production server, backups and restores."""

    name = "nanduti.ops"
    verbose_name = _("Operación")
