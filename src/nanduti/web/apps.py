from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "nanduti.web"
    verbose_name = "web"

    def ready(self):
        # Connects the login signal that remembers whether a second factor is due.
        from nanduti.web import two_factor  # noqa: F401
