from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "nanduti.stats"
    verbose_name = _("Estadísticas")

    def ready(self):
        from nanduti.registry.signals import cases_imported
        from nanduti.stats.rebuild import rebuild_after_import

        # A batch import is where the summary goes stale: rebuilt then, not on the next
        # dashboard view.
        cases_imported.connect(rebuild_after_import, dispatch_uid="stats-rebuild-after-import")
