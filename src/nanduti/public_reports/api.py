"""JSON API of public reports (mounted at /api/public-reports/ by ``api.api``).

- ``POST /`` (no token): the same as the web form, from a multipart form (fields ``kind``,
  ``platform``, ``department``, ``text``, ``contact``, ``screenshot``; the honeypot
  ``website`` must stay empty; ``pow_challenge`` from ``GET /challenge`` with the
  ``pow_counter`` that solves it raises the sender's limit). Answers at once with the red
  flags, advice and help lines.
- ``GET /help-lines`` (no token): where to turn in Paraguay, with sources.
- ``GET /pending`` (reviewers' token): reports waiting in the review queue.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from nanduti.monitoring import review
from nanduti.public_reports import guard, helplines, intake, review_queue
from nanduti.public_reports.uploads import body_too_large

router = Router(tags=["public reports"])


class ReportIn(Schema):
    kind: str = "offer"
    platform: str = ""
    department: str = ""
    text: str
    contact: str = ""
    website: str = ""
    pow_challenge: str = ""
    pow_counter: str = ""


class AnswerOut(Schema):
    received: bool
    suspicious: bool
    score: float
    reasons: list[intake.Reason]
    advice: list[str]
    help_lines: list[helplines.HelpLine]
    note: str


class RefusedOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}
    help_lines: list[helplines.HelpLine] = []


class ChallengeOut(Schema):
    challenge: str
    bits: int


class PendingOut(Schema):
    id: int
    kind: str
    platform: str
    department: str
    text: str
    contact: str
    flags: list[str]
    score: float
    received_on: date
    has_screenshot: bool


def _language(request: HttpRequest) -> str:
    return "en" if (request.GET.get("lang") or "").startswith("en") else "es"


def _refused(detail: str, language: str, errors: dict | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}, "help_lines": helplines.help_lines(language)}


@router.post(
    "",
    auth=None,
    response={201: AnswerOut, 400: RefusedOut, 413: RefusedOut, 429: RefusedOut},
    summary="Send an anonymous report",
)
def send_report(
    request, data: Form[ReportIn], screenshot: File[UploadedFile] | None = None
):  # the form's own validation runs in intake.receive
    language = _language(request)
    if body_too_large(request):
        return Status(413, _refused(guard.TOO_LARGE.message, language))
    outcome = intake.receive(
        request.POST, request.FILES, address=request.META.get("REMOTE_ADDR", ""), language=language
    )
    if outcome.refusal:
        return Status(outcome.refusal.status, _refused(outcome.refusal.message, language))
    if outcome.answer is None:
        errors = {name: [str(m) for m in found] for name, found in outcome.form.errors.items()}
        detail = "; ".join(m for messages in errors.values() for m in messages)
        return Status(400, _refused(detail, language, errors))
    answer = outcome.answer
    return Status(
        201,
        {
            "received": True,
            "suspicious": answer.suspicious,
            "score": answer.score,
            "reasons": answer.reasons,
            "advice": answer.advice,
            "help_lines": answer.help_lines,
            "note": answer.unsourced_note,
        },
    )


@router.get("/challenge", auth=None, response=ChallengeOut, summary="A proof-of-work challenge")
def challenge(request):
    return {"challenge": guard.new_challenge(), "bits": guard.pow_bits()}


@router.get("/help-lines", auth=None, response=list[helplines.HelpLine], summary="Help lines")
def help_lines(request):
    return helplines.help_lines(_language(request))


@router.get(
    "/pending", response={200: list[PendingOut], 403: RefusedOut}, summary="Pending reports"
)
def pending(request):
    if not review.can_review(request.user):
        raise HttpError(
            403,
            "Solo analistas, responsables de datos y administradores / "
            "analysts, data stewards and administrators only",
        )
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "platform": r.platform,
            "department": r.department,
            "text": r.text,
            "contact": r.contact,
            "flags": r.flags,
            "score": r.score,
            "received_on": r.received_on,
            "has_screenshot": bool(r.screenshot),
        }
        for r in review_queue.pending()[: review_queue.SHOWN]
    ]
