"""Job pages: the list, one job with its live progress, its status as JSON, cancel, and a
finished report's file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from nanduti.jobs import kinds, queue, runner
from nanduti.jobs.models import Job

LISTED = 50


def _job(request, job_id: int) -> Job:
    job = get_object_or_404(
        runner.visible_to(request.user).select_related("started_by", "institution"), pk=job_id
    )
    if runner.reap_stale(Job.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


@login_required
def job_list(request):
    visible = runner.visible_to(request.user)
    runner.reap_stale(visible)
    startable = [
        (value, label)
        for value, label in Job.Kind.choices
        if kinds.KINDS[value].may_start(request.user)
    ]
    return render(
        request,
        "jobs/list.html",
        {
            "jobs": visible.select_related("started_by")[:LISTED],
            "startable": startable,
        },
    )


@login_required
@require_POST
def job_start(request):
    kind = kinds.KINDS.get(request.POST.get("kind", ""))
    if kind is None or not kind.may_start(request.user):
        raise PermissionDenied
    params = {"language": request.LANGUAGE_CODE} if request.POST["kind"] == Job.Kind.REPORT else {}
    job = queue.start(request.POST["kind"], user=request.user, params=params)
    return redirect("jobs:detail", job.pk)


@login_required
def job_detail(request, job_id: int):
    job = _job(request, job_id)
    return render(request, "jobs/job.html", {"job": job, **_problems(job)})


def _problems(job: Job) -> dict:
    """A finished import's rejected rows, read from the (encrypted) quarantine of its
    institution's batches: the job's own row keeps counts only."""
    if job.kind != Job.Kind.IMPORT or not job.finished or job.institution_id is None:
        return {}
    from nanduti.registry.models import RejectedRow
    from nanduti.web.imports import rejected_problems

    rows = RejectedRow.objects.filter(
        batch_id__in=job.result.get("batch_ids", []), batch__institution_id=job.institution_id
    ).order_by("batch_id", "row_number")
    return {"problems": rejected_problems(rows)}


@login_required
def job_status(request, job_id: int):
    job = _job(request, job_id)
    context = {"job": job, **_problems(job)}
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_label": str(job.get_status_display()),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.finished,
            "progress_text": render_to_string(
                "jobs/_progress_text.html", context, request=request
            ).strip(),
            "html": render_to_string("jobs/_live.html", context, request=request),
        }
    )


@login_required
@require_POST
def job_cancel(request, job_id: int):
    runner.cancel(_job(request, job_id))
    return redirect("jobs:detail", job_id)


@login_required
def report_file(request, job_id: int):
    job = _job(request, job_id)
    path = kinds.report_path(job)
    if job.kind != Job.Kind.REPORT or job.status != Job.Status.SUCCEEDED or not path.exists():
        raise Http404
    return FileResponse(open(path, "rb"), content_type="application/pdf", filename=path.name)
