"""The review queue pages (/revision/): thin views over :mod:`nanduti.monitoring.review`."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nanduti.monitoring import emerging, review
from nanduti.monitoring.models import Article, Decision, ReviewDecision
from nanduti.taxonomy import labels, vocab
from nanduti.taxonomy.labels import in_language

FACT_LABELS = (
    ("platforms", gettext_lazy("Plataformas")),
    ("departments", gettext_lazy("Departamentos")),
    ("cities", gettext_lazy("Ciudades")),
    ("destination_countries", gettext_lazy("Países de destino")),
    ("exploitation", gettext_lazy("Explotación")),
    ("victim_minor", gettext_lazy("Víctima menor de edad")),
    ("victim_gender", gettext_lazy("Sexo de la víctima")),
    ("date", gettext_lazy("Fecha del hecho")),
)
GENDER = {
    "female": gettext_lazy("mujer"),
    "male": gettext_lazy("varón"),
    "mixed": gettext_lazy("mujeres y varones"),
}


def reviewer_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not review.can_review(request.user):
            raise PermissionDenied(_("Solo analistas, responsables de datos y administradores."))
        return view(request, *args, **kwargs)

    return wrapped


def _fact_value(name: str, value):
    if value is None or value == []:
        return None
    if name == "victim_minor":
        return _("sí") if value else _("no")
    if name == "victim_gender":
        return GENDER.get(value, value)
    if name == "exploitation":
        types = vocab.get("exploitation_type")
        return [types.label(v, labels.language()) if v in types else v for v in value]
    return value


def _event_date(result: dict):
    """The event's date as the text gives it; results stored before the extractor kept the
    two apart carry the publication date with ``date_source`` "publication": not shown as
    the event's."""
    if not result.get("date") or result.get("date_source") == "publication":
        return _("no consta en el texto")
    try:
        return date_format(date.fromisoformat(result["date"]), "j F Y")
    except ValueError:
        return result["date"]


def _card(candidate: review.Candidate) -> dict:
    result = candidate.facts
    facts = []
    for name, label in FACT_LABELS:
        value = _event_date(result) if name == "date" else _fact_value(name, result.get(name))
        if value is not None:
            values = value if isinstance(value, list) else [value]
            facts.append({"name": name, "label": label, "values": values})
    spans, names = review.evidence_spans(result), review.fact_values(result)
    return {
        "c": candidate,
        "facts": facts,
        "title": review.highlight(candidate.article.title, spans, names),
        "text": review.highlight(candidate.article.text[:8000], spans, names),
        "truncated": len(candidate.article.text) > 8000,
    }


@reviewer_required
def queue(request):
    candidates = review.candidates()
    return render(
        request,
        "monitoring/queue.html",
        {
            "cards": [_card(c) for c in candidates[:100]],
            "total": len(candidates),
            "others": [(c.article.pk, c.article.title[:90]) for c in candidates[:200]],
            "cases": review.linkable_cases(request.user)[:200],
            "sections": [
                {"template": s.template, **s.context(request.user)} for s in review.sections()
            ],
        },
    )


def _act(request, article_id: int, action):
    article = get_object_or_404(Article, pk=article_id)
    try:
        message = action(article, request.POST.get("note", "").strip()[:2000])
    except review.ReviewError as exc:
        messages.error(request, in_language(str(exc)))
    else:
        messages.success(request, message)
    return redirect("monitoring:queue")


@require_POST
@reviewer_required
def confirm(request, article_id: int):
    def act(article, note):
        case = None
        if request.POST.get("case"):
            case = review.linkable_cases(request.user).filter(pk=request.POST["case"]).first()
            if case is None:
                raise review.ReviewError(_("Caso no encontrado."))
        decision = review.confirm(article, request.user, case=case, note=note)
        if case:
            return _("Noticia vinculada al caso %(ref)s.") % {"ref": decision.case.reference}
        return _("Noticia confirmada: se creó el caso %(ref)s.") % {"ref": decision.case.reference}

    return _act(request, article_id, act)


@require_POST
@reviewer_required
def reject(request, article_id: int):
    def act(article, note):
        review.reject(article, request.user, note=note)
        return _("Noticia rechazada; queda como ejemplo negativo.")

    return _act(request, article_id, act)


@require_POST
@reviewer_required
def merge(request, article_id: int):
    def act(article, note):
        into = Article.objects.filter(pk=request.POST.get("into") or 0).first()
        if into is None:
            raise review.ReviewError(_("Elija la noticia con la que unir."))
        review.merge(article, into, request.user, note=note)
        return _("Noticia unida a «%(title)s».") % {"title": into.title[:80]}

    return _act(request, article_id, act)


def _place(case) -> str:
    if case is None:
        return ""
    lang = labels.language()
    parts = [
        labels.code_label("district", case.district, lang),
        labels.code_label("department", case.department, lang),
        labels.code_label("country", case.destination_country, lang),
    ]
    return " · ".join(p for p in parts if p)


@reviewer_required
def decisions(request):
    rows = (
        ReviewDecision.objects.select_related("article", "case", "analyst", "merged_into")
        .prefetch_related("case__technologies", "case__exploitations", "case__victims")
        .order_by("-at", "-id")[:200]
    )
    lang = labels.language()
    entries = []
    for d in rows:
        techs = []
        if d.case:
            techs = [
                (
                    labels.code_label("platform", t.platform, lang),
                    labels.code_label("phase", t.phase, lang),
                )
                for t in d.case.technologies.all()
            ]
        entries.append({"d": d, "technologies": techs, "place": _place(d.case)})
    return render(
        request,
        "monitoring/decisions.html",
        {"entries": entries, "Decision": Decision},
    )


@reviewer_required
def platforms(request):
    """Emerging platforms: names tied to contact or recruitment that the vocabulary lacks."""
    found = emerging.candidates()
    months = sorted({m for c in found for m in c.months})
    technologies = vocab.get("technology")
    lang = labels.language()
    return render(
        request,
        "monitoring/platforms.html",
        {
            "candidates": found,
            "months": months,
            "rows": [{"c": c, "counts": [c.months.get(m, 0) for m in months]} for c in found],
            "technologies": [(t.code, t.label(lang)) for t in technologies],
            "added": emerging.added_platforms(),
            "version": vocab.get("platform").version,
        },
    )


@require_POST
@reviewer_required
def add_platform(request):
    name = request.POST.get("name", "")
    try:
        entry = emerging.add_platform(
            name,
            request.user,
            technology=request.POST.get("technology", ""),
            note=request.POST.get("note", "").strip()[:500],
        )
    except review.ReviewError as exc:
        messages.error(request, in_language(str(exc)))
    else:
        messages.success(
            request,
            _("«%(name)s» se agregó al vocabulario de plataformas (versión %(version)s).")
            % {"name": entry["label_es"], "version": entry["version"]},
        )
    return redirect("monitoring:platforms")
