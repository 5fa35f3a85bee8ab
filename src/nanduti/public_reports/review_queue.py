"""Public reports in the analysts' review queue (``/revision/``), beside press candidates.

Same reviewers as press candidates (``monitoring.review.can_review``). A report is confirmed
(suspicious: kept for follow-up and as a positive example of the red-flag screen) or
discarded; every decision is in the audit trail, without the report's text.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.utils import timezone

from nanduti.monitoring import review
from nanduti.public_reports.models import PublicReport, Status
from nanduti.registry import audit

SHOWN = 100


def pending():
    return PublicReport.objects.filter(status=Status.PENDING).order_by("-score", "-id")


def section_context(user) -> dict:
    reports = pending()
    return {"reports": list(reports[:SHOWN]), "total": reports.count()}


SECTION = review.QueueSection(
    kind="public_report",
    template="public_reports/_queue_section.html",
    context=section_context,
)


@transaction.atomic
def decide(report: PublicReport, user, status: str, note: str = "") -> PublicReport:
    if not review.can_review(user):
        raise review.ReviewError(
            "Solo analistas, responsables de datos y administradores revisan denuncias / "
            "only analysts, data stewards and administrators review reports"
        )
    if status not in (Status.CONFIRMED, Status.REJECTED):
        raise review.ReviewError(f"Decisión desconocida «{status}» / unknown decision")
    report = PublicReport.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.PENDING:
        raise review.ReviewError(
            f"La denuncia {report.pk} ya fue revisada / report {report.pk} was already reviewed"
        )
    before = copy.copy(report)
    report.status = status
    report.reviewed_by = user
    report.reviewed_at = timezone.now()
    report.review_note = note[:2000]
    report.save()
    audit.record(report, "update", audit.changed(before, report), actor=user)
    return report
