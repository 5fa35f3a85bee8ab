"""Web pages: thin views over the registry's models, forms and permissions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nanduti.registry import freshness, permissions, services
from nanduti.registry.filters import active_filters, filter_cases
from nanduti.registry.models import (
    Case,
    Exploitation,
    ImportBatch,
    Source,
    TechnologyUse,
    Victim,
)
from nanduti.registry.services import StaleVersion
from nanduti.taxonomy import labels
from nanduti.taxonomy.labels import in_language
from nanduti.web import imports, menu
from nanduti.web.conflicts import differences
from nanduti.web.forms import FORMSETS, CaseForm, VictimForm, exploitation_rows
from nanduti.web.history import history

PAGE_SIZE = 50
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator told its count, so it does not run COUNT(*) again."""

    def __init__(self, *args, known_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = known_count

    @property
    def count(self) -> int:
        return self._known_count


def home(request):
    return render(request, "web/home.html")


@login_required
def start(request):
    """After logging in: the page of the user's role (``nanduti.web.menu``)."""
    return redirect(menu.home_path(request.user))


def _own_institution_or_polite(request):
    """The user's institution, or None after which the caller shows the polite page."""
    m = permissions.membership(request.user)
    return m.institution if m and m.institution_id else None


def _polite(request):
    return render(request, "web/no_cases.html", status=403)


def _filter_choices() -> dict:
    return {
        "department": labels.choices("department"),
        "platform": labels.choices("platform", grouped_by="technology"),
        "exploitation_type": labels.choices("exploitation_type"),
        "sex": labels.choices("sex"),
        "legal_status": labels.choices("legal_status"),
        "source": [("", "—"), *[(c.value, in_language(c.label)) for c in Source]],
    }


@login_required
def case_list(request):
    if not permissions.may_open_cases(request.user):
        return _polite(request)
    base = permissions.visible_cases(request.user)
    params = active_filters(request.GET)
    cases = filter_cases(base, params)
    order = "updated_at" if request.GET.get("orden") == "asc" else "-updated_at"
    cases = cases.order_by(order, "-id" if order.startswith("-") else "id")
    requested_page = request.GET.get("pagina")
    query = request.GET.copy()
    query.pop("pagina", None)

    user = request.user
    who = (user.pk, permissions.role(user), permissions.institution_id(user))

    def counted() -> tuple[int, int, str, str]:
        # Past COUNT_CAP matches of a filter the page says "more than" instead (a million
        # cases must not make each click slow). The total is shared by every filter.
        total = freshness.kept(repr(("web:cases-total", who)), base.count)
        matching = (
            min(cases.order_by()[: COUNT_CAP + 1].count(), COUNT_CAP + 1) if params else total
        )
        paginator = CappedPaginator(cases, PAGE_SIZE, known_count=min(matching, COUNT_CAP))
        page = paginator.get_page(requested_page)
        rows_html = render_to_string(
            "web/_case_rows.html",
            {"page": page, "rows": _rows(page.object_list), "query": query.urlencode()},
        )
        # The filter form with its ~200 options, laid out for these filters and language.
        filters_html = render_to_string(
            "web/_case_filters.html",
            {
                "params": params,
                "choices": _filter_choices(),
                "years": range(timezone.now().year, 1999, -1),
                "order": order,
            },
        )
        return total, matching, rows_html, filters_html

    # The counts, the rendered rows (no identifying data) and the filter form are kept
    # until the registry changes, so a view neither counts 30,000 index entries nor loads
    # and lays out 50 cases, their children and the filter lists again. Kept per user,
    # role and institution: what one may open depends on all three (press cases a reviewer
    # confirmed), and a membership an administrator changes is no registry change.
    total, matching, rows_html, filters_html = freshness.kept(
        repr(
            (
                "web:cases",
                who,
                sorted(params.items()),
                order,
                query.urlencode(),
                requested_page,
                labels.language(),
            )
        ),
        counted,
    )
    return render(
        request,
        "web/case_list.html",
        {
            "rows_html": mark_safe(rows_html),  # noqa: S308 - rendered from our template
            "filters_html": mark_safe(filters_html),  # noqa: S308 - rendered from our template
            "total": total,
            "matching": min(matching, COUNT_CAP),
            "more_than_cap": matching > COUNT_CAP,
        },
    )


def _rows(cases) -> list[Case]:
    """A page of cases with their children, in three queries (no N+1), as plain lists (no
    queryset per row and kind)."""
    return list(
        cases.prefetch_related(
            Prefetch(
                "technologies",
                queryset=TechnologyUse.objects.only("case_id", "platform"),
                to_attr="technology_list",
            ),
            Prefetch(
                "exploitations",
                queryset=Exploitation.objects.only("case_id", "type"),
                to_attr="exploitation_list",
            ),
            Prefetch(
                "victims",
                queryset=Victim.objects.only("case_id", "sex", "age", "age_band"),
                to_attr="victim_list",
            ),
        )
    )


def _case_for(request, case_id: int) -> Case:
    return get_object_or_404(
        permissions.visible_cases(request.user).select_related("institution", "created_by"),
        pk=case_id,
    )


@login_required
def case_detail(request, case_id: int):
    if not permissions.may_open_cases(request.user):
        return _polite(request)
    case = _case_for(request, case_id)
    show_identifying = permissions.can_see_identifying(request.user, case)
    # Identifying fields the page does not show are not read, so not decrypted.
    victims = case.victims.order_by("id")
    if not show_identifying:
        victims = victims.defer(*VictimForm.IDENTIFYING)
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            "victims": victims,
            "perpetrators": case.perpetrators.defer("full_name", "document_number").order_by("id"),
            "technologies": case.technologies.order_by("id"),
            "exploitations": case.exploitations.order_by("id"),
            "referrals": case.referrals.select_related("from_institution", "to_institution"),
            "assistance": case.assistance.select_related("provided_by"),
            "show_identifying": show_identifying,
            "can_edit": permissions.can_edit(request.user, case),
        },
    )


@login_required
def case_history(request, case_id: int):
    if not permissions.may_open_cases(request.user):
        return _polite(request)
    case = _case_for(request, case_id)
    return render(
        request,
        "web/case_history.html",
        {"case": case, "rows": history(case.pk, labels.language())},
    )


def _build_formsets(request, case: Case, show_identifying: bool):
    data = request.POST if request.method == "POST" else None
    built = {}
    for prefix, formset_class in FORMSETS.items():
        kwargs = {"instance": case, "prefix": prefix}
        if prefix == "victims":
            kwargs["form_kwargs"] = {"show_identifying": show_identifying}
        built[prefix] = formset_class(data, **kwargs)
    return built


SECTION_OF_FIELD = {
    "transfer_type": "traslado",
    "origin_department": "traslado",
    "origin_district": "traslado",
    "destination_country": "traslado",
    "destination_department": "traslado",
    "route": "traslado",
    "travel_paid_by_recruiter": "traslado",
    "exploitation_types": "explotacion",
    "exploitation_setting": "explotacion",
    "means_of_control": "explotacion",
    "legal_status": "legal",
    "provisions": "legal",
}
SECTION_OF_FORMSET = {
    "victims": "victimas",
    "perpetrators": "perpetradores",
    "referrals": "derivaciones",
    "assistance": "asistencia",
}


def open_sections(form, formsets) -> set[str]:
    """Collapsed sections that must open: they hold an error, or data (except sensitive ones)."""
    opened = {SECTION_OF_FIELD[name] for name in form.errors if name in SECTION_OF_FIELD}
    for prefix, fs in formsets.items():
        section = SECTION_OF_FORMSET.get(prefix)
        if not section:
            continue
        has_errors = fs.is_bound and fs.total_error_count()
        # Sections with saved rows open too, except victims (sensitive by default).
        if has_errors or (prefix != "victims" and fs.initial_form_count()):
            opened.add(section)
    if form.instance.pk is None:
        opened.add("victimas")
    return opened


def _posted_version(request) -> int:
    """The case version the form was filled from. Missing or not a number gives 0, which no
    case has: the user sees the conflict page rather than overwriting blind."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else 0


def _save_case(request, form, formsets, case: Case, institution) -> Case:
    """Everything the form holds, through the registry's service (one transaction, audited);
    an existing case is refused (StaleVersion) when someone saved it since the form was
    opened."""
    case = form.save(commit=False)
    case.institution = institution
    children, removed = exploitation_rows(
        case, form.cleaned_data["exploitation_types"], case.exploitation_setting
    )
    for fs in formsets.values():
        children += fs.save(commit=False)
        removed += fs.deleted_objects
    return services.save_case(
        case,
        actor=request.user,
        children=children,
        removed=removed,
        expected_version=_posted_version(request) if case.pk is not None else None,
    )


def _edit(request, case: Case, institution):
    show_identifying = case.pk is None or permissions.can_see_identifying(request.user, case)
    form = CaseForm(request.POST or None, instance=case, institution=institution)
    formsets = _build_formsets(request, case, show_identifying)
    # The version the page carries: the one read now, or on a re-shown POST the one the
    # user started from (never the newer stored one, which would skip the check).
    version = case.version if request.method != "POST" else request.POST.get("version", "")
    conflict = None
    status = 200
    if (
        request.method == "POST"
        and form.is_valid()
        and all(fs.is_valid() for fs in formsets.values())
    ):
        try:
            case = _save_case(request, form, formsets, case, institution)
        except StaleVersion as stale:
            conflict = {
                "stored": stale.stored,
                "rows": differences(form, formsets, stale.stored),
            }
            # Saving this page again is a deliberate choice to replace the stored version.
            version = stale.stored.version
            status = 409
        else:
            messages.success(request, _("Caso %(ref)s guardado.") % {"ref": case.reference})
            return redirect("case_detail", case_id=case.pk)
    elif request.method == "POST":
        messages.error(request, _("El caso no se guardó: revise los campos marcados."))
    return render(
        request,
        "web/case_form.html",
        {
            "form": form,
            "formsets": formsets,
            "case": case,
            "version": version,
            "conflict": conflict,
            "show_identifying": show_identifying,
            "identifying_names": VictimForm.IDENTIFYING,
            "open_sections": open_sections(form, formsets),
        },
        status=status,
    )


@login_required
def case_create(request):
    institution = _own_institution_or_polite(request)
    if institution is None:
        return _polite(request)
    if not permissions.can_import(request.user):
        raise PermissionDenied
    return _edit(request, Case(institution=institution), institution)


@login_required
def case_edit(request, case_id: int):
    institution = _own_institution_or_polite(request)
    if institution is None:
        return _polite(request)
    case = _case_for(request, case_id)
    if not permissions.can_edit(request.user, case):
        raise PermissionDenied
    return _edit(request, case, institution)


@login_required
def import_page(request):
    institution = _own_institution_or_polite(request)
    if institution is None:
        return _polite(request)
    if not permissions.can_import(request.user):
        raise PermissionDenied
    from nanduti.registry.template import column_guide

    context = {
        "batches": ImportBatch.objects.filter(institution=institution).order_by("-created_at")[:20],
        "formats": IMPORT_FORMATS,
        "guide": column_guide(),
    }
    if request.method == "POST":
        upload = request.FILES.get("archivo")
        fmt = request.POST.get("formato") or None
        problem = _upload_problem(upload, fmt)
        if problem:
            context["upload_error"] = problem
            return render(request, "web/import.html", context, status=400)
        # The import runs as a job (nanduti.jobs): this answers at once with its page,
        # which shows the progress and then the result.
        from nanduti.jobs import queue

        job = queue.start(
            "import",
            user=request.user,
            institution=institution,
            params={
                "path": str(imports.save_upload(upload)),
                "institution": institution.code,
                "format": fmt,
            },
            title=upload.name,
        )
        return redirect("jobs:detail", job.pk)
    return render(request, "web/import.html", context)


IMPORT_FORMATS = (
    ("", gettext_lazy("Automático")),
    ("csv", "CSV"),
    ("xlsx", "XLSX"),
    ("xlsform", "XLSForm (KoboToolbox / ODK)"),
    ("ctdc", "CTDC"),
)


def _upload_problem(upload, fmt) -> str:
    if upload is None:
        return _("Elija un archivo.")
    if fmt not in (None, *[f for f, _label in IMPORT_FORMATS if f]):
        return _("Formato desconocido «%(format)s».") % {"format": fmt}
    if not upload.name.lower().endswith(imports.ALLOWED_SUFFIXES):
        return _("El archivo debe ser CSV o XLSX (%(suffixes)s).") % {
            "suffixes": ", ".join(imports.ALLOWED_SUFFIXES)
        }
    if upload.size > imports.MAX_UPLOAD_BYTES:
        return _("El archivo es demasiado grande (máx. 200 MB).")
    return ""


@login_required
def import_batch(request, batch_id: int):
    institution = _own_institution_or_polite(request)
    if institution is None:
        return _polite(request)
    batch = get_object_or_404(ImportBatch, pk=batch_id, institution=institution)
    report = batch.report or {}
    problems = imports.error_rows(report.get("errors", []))
    if not problems:
        problems = imports.rejected_problems(batch.rejected_rows.all())
    return render(
        request,
        "web/import_batch.html",
        {"batch": batch, "report": report, "problems": problems},
    )


@login_required
def import_rejects(request, batch_id: int):
    institution = _own_institution_or_polite(request)
    if institution is None:
        return _polite(request)
    batch = get_object_or_404(ImportBatch, pk=batch_id, institution=institution)
    response = HttpResponse(
        imports.rejected_rows_csv(batch.pk), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rechazos-{batch.pk}.csv"'
    return response
