"""The public form (/denunciar/) and the reviewers' actions on reports: thin views.

The form's page keeps nothing about the visitor: it reads the address only to hash it for
the rate limit (``guard``), uses no session or message (the answer is rendered at once,
not redirected), and asks browsers and proxies not to store the page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from nanduti.monitoring import review
from nanduti.public_reports import guard, images, intake, review_queue
from nanduti.public_reports.forms import PublicReportForm
from nanduti.public_reports.models import PublicReport, Status
from nanduti.public_reports.uploads import body_too_large


def reviewer_required(view):
    """Analysts, data stewards and administrators, as for press candidates."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not review.can_review(request.user):
            raise PermissionDenied("Solo quienes revisan / reviewers only")
        return view(request, *args, **kwargs)

    return checked


KEPT_ON_REFUSAL = ("kind", "platform", "department", "text", "contact")


def _form_page(request, form, *, refusal=None, status=200):
    language = get_language() or "es"
    context = {
        "form": form,
        "refusal": refusal,
        "challenge": guard.new_challenge(),
        "pow_bits": guard.pow_bits(),
        "honeypot": guard.HONEYPOT,
        **intake.where_to_turn(language),
    }
    return render(request, "public_reports/form.html", context, status=status)


@never_cache
def report_form(request):
    if request.method != "POST":
        return _form_page(request, PublicReportForm())
    if body_too_large(request):
        # The picture was dropped unread (``uploads``); what the person wrote is kept.
        written = {name: request.POST.get(name, "") for name in KEPT_ON_REFUSAL}
        form = PublicReportForm(initial=written)
        return _form_page(request, form, refusal=guard.TOO_LARGE, status=413)
    outcome = intake.receive(
        request.POST,
        request.FILES,
        address=request.META.get("REMOTE_ADDR", ""),
        language=get_language() or "es",
    )
    if outcome.refusal:
        return _form_page(
            request, outcome.form, refusal=outcome.refusal, status=outcome.refusal.status
        )
    if outcome.report is None:
        return _form_page(request, outcome.form)
    return render(request, "public_reports/answer.html", {"answer": outcome.answer})


@require_POST
@reviewer_required
def decide(request, report_id: int):
    report = get_object_or_404(PublicReport, pk=report_id)
    status = request.POST.get("status", "")
    try:
        review_queue.decide(report, request.user, status, request.POST.get("note", "").strip())
    except review.ReviewError as error:
        messages.error(request, str(error))
    else:
        if status == Status.CONFIRMED:
            done = _("Denuncia %(n)s confirmada como sospechosa.")
        else:
            done = _("Denuncia %(n)s descartada.")
        messages.success(request, done % {"n": report.pk})
    return redirect("monitoring:queue")


@reviewer_required
def screenshot(request, report_id: int):
    report = get_object_or_404(PublicReport, pk=report_id)
    if not report.screenshot:
        return HttpResponse(status=404)
    response = HttpResponse(images.read(report.screenshot), content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response
