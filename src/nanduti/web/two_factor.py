"""Optional second factor (TOTP, django-otp) for data stewards and administrators.

A user who enrolled an authenticator app must give its six-digit code after the password
before any page opens (``RequireSecondFactorMiddleware``); users without a device log in
with the password alone. Wrong codes slow down (django-otp's throttling per device).
"""

from __future__ import annotations

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from nanduti.registry import permissions
from nanduti.registry.models import Role

SESSION_FLAG = "second_factor_required"
# Pages an unverified user may still open: the code page itself, leaving, the language.
OPEN_PATHS = ("/cuenta/verificar/", "/cuenta/salir/", "/i18n/", "/static/")
ENROLLING_ROLES = (Role.STEWARD, Role.ADMIN)
WRONG_CODE = "Código incorrecto o vencido / wrong or expired code"
THROTTLED = (
    "Demasiados códigos incorrectos; espere un momento / too many wrong codes; wait a moment"
)


@receiver(user_logged_in)
def _remember_second_factor(sender, request, user, **kwargs):
    # Asked once per login, so pages of users without a device cost no extra query.
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_FLAG] = TOTPDevice.objects.filter(
            user=user, confirmed=True
        ).exists()


class RequireSecondFactorMiddleware:
    """Sends a logged-in user with a device, not yet verified this session, to the code page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(SESSION_FLAG)
            and not user.is_verified()
            and not request.path.startswith(OPEN_PATHS)
        ):
            return redirect(f"{reverse('second_factor_verify')}?next={request.get_full_path()}")
        return self.get_response(request)


def may_enrol(user) -> bool:
    return user.is_superuser or permissions.role(user) in ENROLLING_ROLES


def _check(device: TOTPDevice, code: str) -> str:
    """'' when the code is right, else the bilingual reason."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return THROTTLED
    return "" if device.verify_token(code.strip().replace(" ", "")) else WRONG_CODE


@login_required
def verify(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    if device is None or request.user.is_verified():
        request.session[SESSION_FLAG] = False
        return redirect(target)
    error = ""
    if request.method == "POST":
        error = _check(device, request.POST.get("code", ""))
        if not error:
            django_otp.login(request, device)
            return redirect(target)
    return render(
        request,
        "registration/second_factor_verify.html",
        {"next": target, "error": error},
        status=400 if error else 200,
    )


@login_required
def setup(request):
    if not may_enrol(request.user):
        raise PermissionDenied
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    error = ""
    if confirmed is not None:
        if request.method == "POST":
            error = _check(confirmed, request.POST.get("code", ""))
            if not error:
                TOTPDevice.objects.filter(user=request.user).delete()
                request.session[SESSION_FLAG] = False
                messages.success(request, _("Segundo factor desactivado."))
                return redirect("second_factor_setup")
        return render(
            request,
            "registration/second_factor_setup.html",
            {"active": True, "error": error},
            status=400 if error else 200,
        )
    device, _new = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "app"}
    )
    if request.method == "POST":
        error = _check(device, request.POST.get("code", ""))
        if not error:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            django_otp.login(request, device)
            request.session[SESSION_FLAG] = True
            messages.success(request, _("Segundo factor activado."))
            return redirect("second_factor_setup")
    url = device.config_url
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "active": False,
            "error": error,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=5, border=3, light="#fff"),
            "secret": url.split("secret=")[1].split("&")[0],
        },
        status=400 if error else 200,
    )
