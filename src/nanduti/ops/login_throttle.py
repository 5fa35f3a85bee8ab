"""Login throttling with django-axes, shared by the login pages and the API's tokens.

Failed logins and wrong API tokens count against the client's address (and the user name
tried); past ``AXES_FAILURE_LIMIT`` the address or name is locked out for
``AXES_COOLOFF_TIME``, even with the right password or a valid token.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import JsonResponse
from django.shortcuts import render

LOCKED_OUT = (
    "Demasiados intentos fallidos; espere {minutes} minutos antes de reintentar / "
    "too many failed attempts; wait {minutes} minutes before trying again"
)


def _cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out_message() -> str:
    return LOCKED_OUT.format(minutes=_cooloff_minutes())


def lockout_response(request, original_response=None, credentials=None):
    """Axes' answer to a locked-out client: JSON for the API, a page for people."""
    minutes = _cooloff_minutes()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": locked_out_message()}, status=429)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lock-out check, for requests only: a call without a request (the command line,
    ``authenticate()`` in a script) has no client to throttle and goes to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def token_credentials(raw_token: str) -> dict:
    # Counted under the token's visible prefix, never the token itself.
    return {"username": "api-token:" + raw_token[:10]}


def locked_out(request, raw_token: str) -> bool:
    return AxesProxyHandler.is_locked(request, token_credentials(raw_token))


def record_failed_token(request, raw_token: str) -> None:
    user_login_failed.send(
        sender=__name__, credentials=token_credentials(raw_token), request=request
    )
