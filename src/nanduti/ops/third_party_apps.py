"""Admin names for the third-party apps Ñandutí runs (login lock-outs, the second factor, the
job queue), which ship no Spanish of their own.

The names go through the project's catalogue like every other label, so the admin reads in
one language. Only ``_meta``'s display names change, never the models' declared options, so
no migration of those apps follows from it.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig
from django_tasks_db.apps import TasksAppConfig

MODEL_NAMES = {
    "accessattempt": (_("intento de acceso"), _("intentos de acceso")),
    "accessattemptexpiration": (
        _("vencimiento de intento de acceso"),
        _("vencimientos de intentos de acceso"),
    ),
    "accessfailurelog": (_("fallo de acceso"), _("fallos de acceso")),
    "accesslog": (_("registro de acceso"), _("registros de acceso")),
    "totpdevice": (_("dispositivo TOTP"), _("dispositivos TOTP")),
    "dbtaskresult": (_("resultado de tarea"), _("resultados de tareas")),
}


def _rename_models(config) -> None:
    for model in config.get_models():
        names = MODEL_NAMES.get(model._meta.model_name)
        if names:
            model._meta.verbose_name, model._meta.verbose_name_plural = names


class LoginLockouts(AxesAppConfig):
    verbose_name = _("Bloqueos de inicio de sesión")

    def ready(self):
        super().ready()
        _rename_models(self)


class SecondFactor(TotpAppConfig):
    verbose_name = _("Segundo factor (TOTP)")

    def ready(self):
        super().ready()
        _rename_models(self)


class JobQueue(TasksAppConfig):
    # django-tasks-db declares a plain str; Django's AppConfig takes a lazy one.
    verbose_name = _("Cola de trabajos")  # type: ignore[assignment]

    def ready(self):
        super().ready()
        _rename_models(self)
