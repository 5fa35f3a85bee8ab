"""JSON API of the review queue (mounted at /api/monitoring/ with token auth by ``api.api``).

The same functions as the web pages (:mod:`nanduti.monitoring.review`), the same roles:
analysts, data stewards and administrators.
"""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from nanduti.monitoring import review
from nanduti.monitoring.models import Article, ReviewDecision

router = Router(tags=["monitoring"])


class ArticleOut(Schema):
    article_id: int
    title: str
    outlet: str
    url: str
    published: date | None


class CandidateOut(Schema):
    article_id: int
    story_group: str
    title: str
    score: float
    outlets: list[str]
    published: date | None
    url: str
    facts: dict
    evidence: list[str]
    articles: list[ArticleOut]


class ConfirmIn(Schema):
    case_id: int | None = None
    note: str = ""


class NoteIn(Schema):
    note: str = ""


class MergeIn(Schema):
    into: int
    note: str = ""


class DecisionOut(Schema):
    id: int
    article_id: int
    decision: str
    label: bool | None
    case_id: int | None
    case_reference: str | None
    merged_into: int | None
    analyst: str | None
    note: str
    at: datetime


def _reviewer(request):
    user = getattr(request, "user", None)
    if not review.can_review(user):
        raise HttpError(
            403,
            "Solo analistas, responsables de datos y administradores / "
            "analysts, data stewards and administrators only",
        )
    return user


def _article_out(article: Article) -> dict:
    return {
        "article_id": article.pk,
        "title": article.title,
        "outlet": article.outlet,
        "url": article.canonical_url,
        "published": article.published,
    }


def _candidate_out(c: review.Candidate) -> dict:
    return {
        **_article_out(c.article),
        "story_group": c.story_group,
        "score": c.score,
        "outlets": c.outlets,
        "facts": {k: v for k, v in c.facts.items() if k not in ("evidence", "id")},
        "evidence": review.evidence_spans(c.facts),
        "articles": [_article_out(m.article) for m in c.members],
    }


def _decision_out(d: ReviewDecision) -> dict:
    return {
        "id": d.pk,
        "article_id": d.article_id,
        "decision": d.decision,
        "label": d.label,
        "case_id": d.case_id,
        "case_reference": d.case.reference if d.case else None,
        "merged_into": d.merged_into_id,
        "analyst": d.analyst.username if d.analyst else None,
        "note": d.note,
        "at": d.at,
    }


def _decide(action):
    try:
        return _decision_out(action())
    except review.ReviewError as exc:
        raise HttpError(409, str(exc)) from exc


@router.get("/candidates", response=list[CandidateOut], summary="Cola de revisión / queue")
def list_candidates(request, limit: int = 100):
    _reviewer(request)
    return [_candidate_out(c) for c in review.candidates()[: max(1, min(limit, 500))]]


@router.post("/candidates/{article_id}/confirm", response=DecisionOut)
def confirm(request, article_id: int, payload: ConfirmIn):
    """Confirm a story: create a press case from its facts, or link it to ``case_id``."""
    user = _reviewer(request)
    article = get_object_or_404(Article, pk=article_id)
    case = None
    if payload.case_id is not None:
        case = review.linkable_cases(user).filter(pk=payload.case_id).first()
        if case is None:
            raise HttpError(404, "Caso no encontrado / case not found")
    return _decide(lambda: review.confirm(article, user, case=case, note=payload.note))


@router.post("/candidates/{article_id}/reject", response=DecisionOut)
def reject(request, article_id: int, payload: NoteIn):
    user = _reviewer(request)
    article = get_object_or_404(Article, pk=article_id)
    return _decide(lambda: review.reject(article, user, note=payload.note))


@router.post("/candidates/{article_id}/merge", response=DecisionOut)
def merge(request, article_id: int, payload: MergeIn):
    user = _reviewer(request)
    article = get_object_or_404(Article, pk=article_id)
    into = get_object_or_404(Article, pk=payload.into)
    return _decide(lambda: review.merge(article, into, user, note=payload.note))


@router.get("/decisions", response=list[DecisionOut], summary="Decisiones / decisions")
def list_decisions(request, limit: int = 100):
    _reviewer(request)
    rows = ReviewDecision.objects.select_related("case", "analyst").order_by("-at", "-id")
    return [_decision_out(d) for d in rows[: max(1, min(limit, 1000))]]
