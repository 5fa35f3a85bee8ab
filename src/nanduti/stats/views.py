"""Statistics pages: the dashboard, the public page, the printable report and downloads.

Views only read the request, call ``publish.produce`` and lay the result out.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext

from nanduti.registry import permissions
from nanduti.registry.models import Role
from nanduti.stats import dp, export, fields, present, publication, publish, report
from nanduti.stats.dp import PrivacyError
from nanduti.stats.models import PrivacyRelease, Publication

DEFAULT_ROWS, DEFAULT_COLS = "year", "sex"


def _language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value, default=None):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _query(request, public: bool) -> dict:
    g = request.GET
    rows = g.get("rows") or DEFAULT_ROWS
    cols = g.get("cols", DEFAULT_COLS if "rows" not in g else "")
    by = [r for r in rows.split(",") if r.strip()]
    by += [c for c in cols.split(",") if c.strip() and c not in by]
    scope = None if public else g.get("scope", "all")
    own_id = permissions.institution_id(request.user)
    own = scope == "own" and own_id is not None
    privacy = (
        publish.PROTECTED_DEFAULT
        if public
        else g.get("privacy") or publish.default_mode(request.user, own_scope=own)
    )
    query = {
        "by": by,
        "unit": g.get("count") or "cases",
        "filters": [f for f in g.getlist("filter") if f.strip()],
        "privacy": privacy,
        "threshold": _int(g.get("threshold")) if not public else None,
        "epsilon": _float(g.get("epsilon"), 1.0),
        "scope": None,
        "scope_label": "all",
    }
    if own:
        query["scope"] = {"institution_id": own_id}
        query["scope_label"] = str(getattr(request.user.membership.institution, "code", own_id))
    return query


def _produce(request, public: bool):
    q = _query(request, public)
    user = None if public else request.user
    try:
        if q["privacy"] == "dp" and request.GET.get("confirm") != "1":
            # Nothing is spent before the user has seen the cost and the budget left.
            q["quote"] = publish.quote(
                q["by"], q["unit"], q["filters"], q["epsilon"], user, q["scope"], q["scope_label"]
            )
            return q, None, None
        result = publish.produce(
            q["by"],
            q["unit"],
            q["filters"],
            q["privacy"],
            q["threshold"],
            q["epsilon"],
            user=user,
            scope=q["scope"],
            scope_label=q["scope_label"],
            actor=f"web:{getattr(request.user, 'username', '')}",
        )
        return q, result, None
    except (fields.FieldError, publish.PermissionDenied, PrivacyError) as error:
        return q, None, str(error)


@lru_cache(maxsize=64)
def _field_options(language: str, selected: str) -> str:
    """The ``<option>``s of the rows and columns lists (~100 fields each, static): laid
    out once per language and chosen field instead of twice on every view."""
    choices = [(f.name, f.label(language)) for f in fields.FIELDS.values()]
    return render_to_string("stats/_field_options.html", {"fields": choices, "selected": selected})


def _context(request, q, result, error, public: bool) -> dict:
    language = _language()
    by = [*q["by"], "", ""]
    ctx = {
        "quote": q.get("quote"),
        "q": q,
        "error": error,
        "public": public,
        "rows_options": _field_options(language, str(by[0])),
        "cols_options": _field_options(language, str(by[1])),
        "units": [
            (u, labels[0 if language == "es" else 1]) for u, labels in fields.UNIT_LABELS.items()
        ],
        "modes": publish.allowed_modes(
            None if public else request.user,
            own_scope=bool(q["scope"]),
        ),
        "threshold_default": settings.NANDUTI_SUPPRESSION_THRESHOLD,
        "querystring": request.GET.urlencode(),
        "has_institution": permissions.institution_id(request.user) is not None,
    }
    if result is not None:
        ctx.update(
            result=result,
            description=result.description(),
            pivot=present.pivot(result, language),
            chart=present.chart(result, language),
            map=present.department_map(result, language),
            method=report.method_notes(result, language),
        )
    return ctx


@login_required
def dashboard(request):
    q, result, error = _produce(request, public=False)
    ctx = _context(request, q, result, error, public=False)
    return render(request, "stats/dashboard.html", ctx, status=400 if error else 200)


def public(request):
    """Only approved, frozen publications: the public never queries live data."""
    return render(request, "stats/public.html", {"panels": report.public_panels(_language())})


def _unknown_format(fmt: str) -> HttpResponse:
    message = (
        f"Formato desconocido «{fmt[:20]}»; válidos: {', '.join(export.FORMATS)} / "
        f"unknown format; valid: {', '.join(export.FORMATS)}"
    )
    return HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")


def _download(request, fmt: str, public: bool):
    if fmt not in export.FORMATS:
        # Checked before anything is computed, so no privacy budget is spent on it.
        return _unknown_format(fmt)
    q, result, error = _produce(request, public)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    if result is None:
        return HttpResponse(
            "Añada confirm=1 para gastar presupuesto de privacidad / add confirm=1 to spend "
            "privacy budget",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    data = export.render(result, fmt, _language())
    response = HttpResponse(data, content_type=export.CONTENT_TYPES[fmt])
    name = "nanduti_" + "_".join(q["by"]) + f".{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def download(request, fmt: str):
    return _download(request, fmt, public=False)


def public_download(request, fmt: str):
    """One table of the latest approved publication, as frozen."""
    if fmt not in export.FORMATS:
        return _unknown_format(fmt)
    panels = report.public_panels(_language())
    index = _int(request.GET.get("table"), -1)
    if not 0 <= index < len(panels):
        return HttpResponse(
            "Tabla desconocida / unknown table",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    data = export.render(panels[index]["result"], fmt, _language())
    response = HttpResponse(data, content_type=export.CONTENT_TYPES[fmt])
    name = "nanduti_publicacion_" + panels[index]["by"].replace(",", "_") + f".{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _dp_state(p: Publication) -> publication.DPQuote | None:
    """A publication's DP tables with their costs and its budget (None: it has none)."""
    if not any(publication.is_dp(s) for s in p.tables):
        return None
    if p.status != Publication.DRAFT:  # frozen: what was spent, nothing to quote
        pool = dp.Pool.of_publication(p)
        done = [
            publication.TableCost(i, s, None, s.get("release"))
            for i, s in enumerate(p.tables)
            if publication.is_dp(s)
        ]
        return publication.DPQuote(p.epsilon_budget, dp.spent(pool), done)
    return publication.quote_dp(p)


@login_required
def publications(request):
    """Analysts draft publications (their DP tables released once the cost is confirmed);
    administrators set each one's privacy budget; stewards approve them (protected,
    audited, frozen)."""
    role = permissions.role(request.user)
    drafters, approvers = (Role.ANALYST, Role.STEWARD, Role.ADMIN), (Role.STEWARD, Role.ADMIN)
    message, error = "", ""
    confirming = None
    if request.method == "GET" and request.GET.get("confirmar") and role in drafters:
        confirming = Publication.objects.filter(pk=_int(request.GET.get("confirmar"))).first()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve" and role in approvers:
                draft = Publication.objects.get(pk=_int(request.POST.get("id")))
                done = publication.approve(draft, request.user)
                message = gettext(
                    "Aprobada: %(title)s — celdas ocultas %(hidden)s, recuperables 0"
                ) % {"title": draft.title, "hidden": sum(len(h) for h in done.hidden)}
            elif action == "draft" and role in drafters:
                specs = publication.parse_specs(request.POST.get("tables", ""))
                title = request.POST.get("title", "").strip() or "—"
                draft = publication.draft(title, specs, request.user)
                message = gettext("Borrador guardado: %(title)s") % {"title": draft.title}
                if any(publication.is_dp(s) for s in draft.tables):
                    confirming = draft
            elif action == "budget" and role == Role.ADMIN:
                draft = Publication.objects.get(pk=_int(request.POST.get("id")))
                publication.set_budget(draft, request.POST.get("epsilon", ""), request.user)
                message = gettext("Presupuesto de %(title)s: ε=%(eps)s") % {
                    "title": draft.title,
                    "eps": f"{draft.epsilon_budget:g}",
                }
            elif action == "release" and role in drafters:
                draft = Publication.objects.get(pk=_int(request.POST.get("id")))
                if request.POST.get("confirm") != "1":
                    confirming = draft  # nothing is spent before the cost is confirmed
                else:
                    after = publication.release_dp(
                        draft, request.user, _float(request.POST.get("cost"))
                    )
                    message = gettext(
                        "Tablas con privacidad diferencial publicadas para %(title)s; quedan "
                        "ε=%(left)s"
                    ) % {"title": draft.title, "left": f"{after.remaining:g}"}
            else:
                error = gettext("No permitido.")
        except (publication.PublicationError, fields.FieldError, Publication.DoesNotExist) as e:
            error = str(e)
            confirming = None
    listed = list(Publication.objects.all()[:100])
    ctx = {
        "publications": [(p, _dp_state(p)) for p in listed],
        "can_draft": role in drafters,
        "can_approve": role in approvers,
        "can_budget": role == Role.ADMIN,
        "confirming": confirming,
        "confirm_quote": publication.quote_dp(confirming) if confirming else None,
        "message": message,
        "error": error,
    }
    return render(request, "stats/publications.html", ctx, status=400 if error else 200)


@login_required
def ledger(request):
    """The privacy ledger: every differentially private release with its ε and the budget
    it spent (an institution's, a user's or a publication's), and the budgets."""
    pool = dp.Pool.of(request.user)
    budgets = []
    for p in Publication.objects.filter(epsilon_budget__isnull=False)[:100]:
        spent = dp.spent(dp.Pool.of_publication(p))
        budgets.append((p, spent, max(0.0, (p.epsilon_budget or 0.0) - spent)))
    ctx = {
        "releases": PrivacyRelease.objects.select_related("institution", "publication")[:500],
        "budget": dp.budget(pool),
        "spent": dp.spent(pool),
        "remaining": dp.remaining(pool),
        "pool": _pool_name(pool, request.user),
        "publication_budgets": budgets,
    }
    return render(request, "stats/ledger.html", ctx)


def _pool_name(pool: dp.Pool, user) -> str:
    """Whose budget it is, as people say it: the institution's name or the user's name."""
    if pool.institution_id is not None:
        return str(user.membership.institution.name)
    if pool.user_id is not None:
        return user.get_full_name() or user.get_username()
    return gettext("operador/a")


def report_page(request):
    ctx = report.report_context(_language())
    return render(request, "stats/report_page.html", ctx)


def report_pdf(request):
    html = report.render_html(_language())
    response = HttpResponse(report.to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="nanduti_informe.pdf"'
    return response
