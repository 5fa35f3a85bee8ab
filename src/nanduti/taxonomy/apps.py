from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "nanduti.taxonomy"
    verbose_name = _("Vocabularios")

    def ready(self) -> None:
        from pathlib import Path

        from django.conf import settings

        from nanduti.taxonomy import vocab

        # Read at each call, so a test or a command that points VAR_DIR elsewhere is followed.
        vocab.overlay_file = lambda: Path(settings.VAR_DIR) / "vocabulary" / "overlay.json"
