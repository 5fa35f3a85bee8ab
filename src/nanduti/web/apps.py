from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "nanduti.web"
    verbose_name = _("Web")

    def ready(self):
        # Connects the login signal that remembers whether a second factor is due.
        from nanduti.web import two_factor  # noqa: F401
