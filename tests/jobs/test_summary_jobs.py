"""Statistics rebuilds after an import are queued jobs, not server threads; old finished jobs
are pruned."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nanduti.jobs import queue
from nanduti.jobs.models import Job
from nanduti.stats import crosstab, snapshot
from nanduti.stats.models import SummaryState

from .test_jobs import sheet, start_import


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_an_import_queues_one_rebuild_that_a_worker_runs(
    tmp_path, officer, institutions, run_jobs, settings
):
    settings.NANDUTI_SUMMARY_REBUILD = "job"
    start_import(sheet(tmp_path, 12), officer, institutions)
    run_jobs()  # the import, then the rebuild it queued
    rebuilds = Job.objects.filter(kind=Job.Kind.SUMMARIES)
    assert [j.status for j in rebuilds] == [Job.Status.SUCCEEDED]
    version = crosstab.current_data_version()
    assert snapshot.current().version == version
    assert SummaryState.objects.get().version == version
    table = crosstab.run("district,sex", "victims")  # outside the summary: the snapshot's
    assert table.version["snapshot"] and not table.version.get("stale")
    assert table.total == 24


def test_stale_pages_queue_a_single_rebuild(tmp_path, officer, institutions, run_jobs, settings):
    settings.NANDUTI_SUMMARY_REBUILD = "off"
    start_import(sheet(tmp_path, 5), officer, institutions)
    run_jobs()
    settings.NANDUTI_SUMMARY_REBUILD = "job"
    for _ in range(3):  # three views of a stale table while no worker runs
        crosstab.run("district,exploitation", "cases")
    waiting = Job.objects.filter(kind=Job.Kind.SUMMARIES, status=Job.Status.QUEUED)
    assert waiting.count() == 1
    run_jobs()
    assert crosstab.run("district,exploitation", "cases").version["snapshot"]


def test_prune_deletes_old_finished_jobs_only(officer, settings, tmp_path):
    settings.NANDUTI_JOBS_KEEP_DAYS = 30
    old = timezone.now() - timedelta(days=40)
    done_old = queue.start(Job.Kind.REPORT, user=officer)
    done_new = queue.start(Job.Kind.REPORT, user=officer)
    waiting = queue.start(Job.Kind.REPORT, user=officer)
    Job.objects.filter(pk=done_old.pk).update(status=Job.Status.SUCCEEDED, finished_at=old)
    Job.objects.filter(pk=done_new.pk).update(status=Job.Status.FAILED, finished_at=timezone.now())
    Job.objects.filter(pk=waiting.pk).update(created_at=old)
    DBTaskResult.objects.filter(pk=done_old.task_id).update(status="SUCCESSFUL", finished_at=old)
    pdf = tmp_path / "var" / "jobs" / str(done_old.pk) / "informe.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF")

    call_command("prune_jobs")

    assert set(Job.objects.values_list("pk", flat=True)) == {done_new.pk, waiting.pk}
    assert not DBTaskResult.objects.filter(pk=done_old.task_id).exists()
    assert DBTaskResult.objects.filter(pk=waiting.task_id).exists()
    assert not pdf.exists()
    call_command("prune_jobs", days=0)
    assert set(Job.objects.values_list("pk", flat=True)) == {waiting.pk}
