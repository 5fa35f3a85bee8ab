"""Receiving a public report: guard, validate, screen, store, answer.

One function, :func:`receive`, serves the web form and the API. The answer is what the
person sees at once: the red flags the screen found (``monitoring``'s ``screen-ads``
logic), what to do, and where to turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from nanduti.monitoring.extract.ads import screen_item
from nanduti.public_reports import guard, helplines, images
from nanduti.public_reports.forms import PublicReportForm
from nanduti.public_reports.models import PublicReport
from nanduti.registry import audit


@dataclass
class Reason:
    code: str
    label: str
    evidence: str


@dataclass
class Answer:
    suspicious: bool
    score: float
    reasons: list[Reason]
    advice: list[str]
    help_lines: list[helplines.HelpLine] = field(default_factory=list)
    unsourced_note: str = ""


@dataclass
class Outcome:
    """``report`` when stored; ``refusal`` (honeypot, rate limit) or ``form`` errors if not."""

    form: PublicReportForm
    answer: Answer | None = None
    report: PublicReport | None = None
    refusal: guard.Refusal | None = None


def where_to_turn(language: str) -> dict:
    return {
        "help_lines": helplines.help_lines(language),
        "unsourced_note": helplines.unsourced_note(language),
    }


def screen(text: str, language: str) -> tuple[dict, Answer]:
    """The red-flag screen's result and the answer built from it. Pure."""
    result = screen_item({"text": text})
    lang = "en" if language.startswith("en") else "es"
    reasons = [Reason(r["code"], r[f"label_{lang}"], r["evidence"]) for r in result["reasons"]]
    answer = Answer(
        suspicious=result["suspicious"],
        score=result["score"],
        reasons=reasons,
        advice=helplines.advice([r.code for r in reasons], language),
        **where_to_turn(language),
    )
    return result, answer


def receive(data, files, *, address: str, language: str = "es") -> Outcome:
    """Check, screen and store one report. ``address`` is only hashed for the rate limit."""
    form = PublicReportForm(data, files)
    if guard.honeypot_filled(data):
        return Outcome(form, refusal=guard.HONEYPOT_FILLED)
    proof = guard.proof_valid(data.get("pow_challenge") or "", data.get("pow_counter") or "")
    if not guard.allow(address, proof, timezone.localdate()):
        return Outcome(form, refusal=guard.TOO_MANY)
    if not form.is_valid():
        return Outcome(form)
    values = form.cleaned_data
    result, answer = screen(values["text"], language)
    with transaction.atomic():
        report = PublicReport.objects.create(
            kind=values["kind"],
            platform=values["platform"],
            department=values["department"],
            text=values["text"],
            contact=values["contact"].strip(),
            reasons=result["reasons"],
            flags=[r["code"] for r in result["reasons"]],
            score=result["score"],
            suspicious=result["suspicious"],
            screenshot=images.keep(values["screenshot"]) if values["screenshot"] else "",
            received_on=timezone.localdate(),
        )
        # Anonymous even when someone logged in sends it: no actor, no encrypted value.
        event = audit.event(report, "create", audit.created(report))
        event.actor = None
        event.save()
    return Outcome(form, answer=answer, report=report)
