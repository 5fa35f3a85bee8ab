"""Files the import page offers: the import template and the Kobo/ODK form (no case data)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from nanduti.registry.template import TEMPLATE_FORMATS, write_template
from nanduti.registry.xlsform_build import write_form

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def import_template(request, fmt: str):
    if fmt not in TEMPLATE_FORMATS:
        raise Http404
    if fmt == "csv":
        text = io.StringIO()
        write_template(text, "csv")
        content = ("\ufeff" + text.getvalue()).encode("utf-8")  # Excel reads UTF-8 with a BOM
        return _attachment(content, "text/csv; charset=utf-8", "plantilla-casos.csv")
    out = io.BytesIO()
    write_template(out, "xlsx")
    return _attachment(out.getvalue(), XLSX, "plantilla-casos.xlsx")


@login_required
def kobo_form(request):
    out = io.BytesIO()
    write_form(out)
    return _attachment(out.getvalue(), XLSX, "formulario-kobo-nanduti.xlsx")
