"""Pages: the reconciliation of official figures (public, under disclosure control), the
import form for stewards and analysts, the template and the SDMX-CSV export."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nanduti.figures import files, reconcile, store, template
from nanduti.registry import permissions
from nanduti.registry.models import Role
from nanduti.stats import charts, report
from nanduti.taxonomy import vocab
from nanduti.taxonomy.labels import in_language

MAX_UPLOAD = 5 * 1024 * 1024


def _short_name(code: str) -> str:
    """An institution as people call it (UFETESI, MINNA), never its internal code."""
    term = vocab.get("institution").get(code)
    return (term.extra.get("short_name") or term.label_es) if term else code


def can_submit(user) -> bool:
    return permissions.role(user) in (Role.STEWARD, Role.ANALYST, Role.ADMIN)


def _dims_text(dims: dict, language: str) -> str:
    if not dims:
        return "Total"
    return " · ".join(vocab.get(name).label(code, language) for name, code in dims.items())


def _chart(series, lines) -> str:
    """The totals over time, official beside registry (two lines, never one sum)."""
    totals = [ln for ln in lines if not ln.dims]
    if series.measure != "count" or len(totals) < 2:
        return ""

    def whole(value):
        return int(value) if value is not None else None

    return charts.line_chart_svg(
        [ln.period for ln in totals],
        {
            _("Oficial (%(unit)s)") % {"unit": in_language(series.get_unit_display())}: [
                None if ln.official_hidden else whole(ln.official) for ln in totals
            ],
            _("Registro"): [whole(ln.registry) for ln in totals],
        },
        title=series.title(translation.get_language() or "es"),
    )


def _context(request) -> dict:
    language = translation.get_language() or "es"
    exact = permissions.can_see_exact_statistics(request.user)
    threshold = int(settings.NANDUTI_SUPPRESSION_THRESHOLD)
    series_list = store.current()
    panels: list[dict[str, Any]] = []
    for s in series_list:
        lines = reconcile.reconcile(s, public=not exact, threshold=threshold)
        for ln in lines:
            ln.dims_text = _dims_text(ln.dims, language)
        panels.append(
            {
                "series": s,
                "title": s.title(language),
                "institution": _short_name(s.institution),
                "lines": lines,
                "chart": _chart(s, lines),
            }
        )
    overlaps = reconcile.overlaps_with_persons(series_list, 0 if exact else threshold)
    for o in overlaps:
        o.names = [_short_name(c) for c in o.institutions]
    context = {
        "panels": panels,
        "persons_column": any(ln.persons is not None for p in panels for ln in p["lines"]),
        "overlaps": overlaps,
        "remark": reconcile.SEPARATE_COUNTS,
        "exact": exact,
        "threshold": threshold,
        "can_submit": can_submit(request.user),
        "language": language,
    }
    return context


def page(request):
    return render(request, "figures/page.html", {**_context(request), "base": "base.html"})


def report_pdf(request):
    """The same reconciliation, under the same disclosure rules, as a printable report."""
    context = {**_context(request), "base": "figures/print_base.html", "printed": timezone.now()}
    html = render_to_string("figures/page.html", context, request=request)
    response = HttpResponse(report.to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="nanduti_cifras_oficiales.pdf"'
    return response


@login_required
def upload(request):
    if not can_submit(request.user):
        raise PermissionDenied
    report = None
    if request.method == "POST" and request.FILES.get("file"):
        uploaded = request.FILES["file"]
        if uploaded.size > MAX_UPLOAD:
            messages.error(request, _("Archivo demasiado grande (máx. 5 MB)."))
            return redirect("figures_upload")
        report = store.import_file(uploaded.name, uploaded.read(), request.user)
    return render(request, "figures/upload.html", {"report": report})


def template_xlsx(request):
    response = HttpResponse(
        template.xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="plantilla-cifras-oficiales.xlsx"'
    return response


def export_sdmx(request):
    """Published series only: a submitted, unpublished table is not given out whole."""
    series_list = [s for s in store.current() if s.published]
    response = HttpResponse(files.write_sdmx(series_list), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="cifras-oficiales.sdmx.csv"'
    return response
