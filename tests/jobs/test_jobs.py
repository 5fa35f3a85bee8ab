"""Background jobs: queued, run by a worker, their progress, cancel, a dead worker's job,
and the pages that show them."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nanduti.jobs import queue, runner
from nanduti.jobs.models import Job
from nanduti.registry.models import Case


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def sheet(tmp_path, cases: int, name: str = "casos.csv"):
    """A file of ``cases`` cases, two victims each, kept where the import page keeps uploads."""
    folder = tmp_path / "var" / "uploads" / "u1"
    folder.mkdir(parents=True)
    path = folder / name
    lines = ["referencia_caso,anio,departamento,sexo,edad"]
    for n in range(cases):
        lines += [f"J-{n},2023,Central,F,{14 + n % 5}", f"J-{n},2023,Central,M,{20 + n % 7}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_import(path, officer, institutions) -> Job:
    return queue.start(
        Job.Kind.IMPORT,
        user=officer,
        institution=institutions["UFETESI"],
        params={"path": str(path), "institution": "UFETESI", "format": None},
        title=path.name,
    )


def test_an_import_job_waits_for_a_worker_then_runs_to_the_end(
    tmp_path, officer, institutions, run_jobs
):
    job = start_import(sheet(tmp_path, 30), officer, institutions)
    # Started: a row people see and a task the worker picks up; nothing imported yet.
    assert job.status == Job.Status.QUEUED and job.started_at is None
    assert DBTaskResult.objects.get(pk=job.task_id).status == "READY"
    assert not Case.objects.exists()

    run_jobs()

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.started_at <= job.finished_at
    assert (job.done, job.total, job.percent) == (60, 60, 100)
    assert job.result["stored"] == 30 and job.result["rejected"] == 0
    assert Case.objects.count() == 30
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"
    # The uploaded copy is gone; the importer kept its own (encrypted) raw copy.
    assert not (tmp_path / "var" / "uploads" / "u1").exists()


def test_an_unreadable_file_fails_with_its_reason_in_both_languages(
    tmp_path, officer, institutions, run_jobs
):
    path = sheet(tmp_path, 1)
    path.write_bytes(b"")
    job = start_import(path, officer, institutions)
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "vacío" in job.error_es and "empty" in job.error_en
    assert "/" not in job.error_es


def test_a_queued_job_cancelled_never_runs(tmp_path, officer, institutions, run_jobs):
    job = start_import(sheet(tmp_path, 5), officer, institutions)
    runner.cancel(job)
    assert job.status == Job.Status.CANCELLED
    assert not (tmp_path / "var" / "uploads" / "u1").exists()  # its upload deleted at once
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.started_at is None
    assert not Case.objects.exists()


def test_a_running_job_stops_at_its_next_progress_step(
    tmp_path, officer, institutions, run_jobs, monkeypatch
):
    """Cancel asked once the worker has the job: it stops at the step after the chunk that
    was being written, so the cases stored are whole and the rest never written."""
    monkeypatch.setattr(runner, "PROGRESS_SECONDS", 0)  # every step is reported
    job = start_import(sheet(tmp_path, 1500), officer, institutions)  # 3 chunks of rows
    steps = []
    real_call = runner.Progress.__call__

    def cancel_after_first_chunk(self, done, total=None):
        steps.append(done)
        if done > 0 and not Job.objects.get(pk=self.job_id).cancel_requested:
            runner.cancel(Job.objects.get(pk=self.job_id))  # as the cancel button does
        real_call(self, done, total)

    monkeypatch.setattr(runner.Progress, "__call__", cancel_after_first_chunk)
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert "Cancelado" in job.error_es and "Cancelled" in job.error_en
    stored = Case.objects.count()
    assert 0 < stored < 1500, steps
    assert job.done == steps[-1] < 3000
    # Whole cases only: each stored case has both its victims.
    assert all(case.victims.count() == 2 for case in Case.objects.all())
    assert not (tmp_path / "var" / "uploads" / "u1").exists()


def test_a_dead_workers_job_is_marked_failed_when_a_worker_starts(officer, run_jobs):
    """A worker killed mid-job leaves its job "running"; the next worker of the machine sees
    the process is gone and marks it failed, with what was done."""
    dead = subprocess.Popen(["true"])  # a process that has ended: its pid is free
    dead.wait()
    job = queue.start(Job.Kind.SUMMARIES, user=officer)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,  # fresh: only the dead process tells
        worker=f"{runner.socket.gethostname()}:{dead.pid}",
        done=40,
        total=100,
    )
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING")
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert "se detuvo tras 40 de 100" in job.error_es
    assert "stopped after 40 of 100" in job.error_en
    assert DBTaskResult.objects.get(pk=job.task_id).status == "FAILED"


def test_a_job_that_stopped_beating_is_failed_and_one_beating_is_not(officer, settings):
    settings.NANDUTI_JOB_STALE_SECONDS = 60
    old, fresh = (queue.start(Job.Kind.SUMMARIES, user=officer) for _ in range(2))
    now = timezone.now()
    elsewhere = "another-machine:1"  # its process cannot be checked from here
    Job.objects.filter(pk=old.pk).update(
        status=Job.Status.RUNNING, worker=elsewhere, heartbeat_at=now - timedelta(seconds=61)
    )
    Job.objects.filter(pk=fresh.pk).update(
        status=Job.Status.RUNNING, worker=elsewhere, heartbeat_at=now - timedelta(seconds=5)
    )
    assert runner.reap_stale() == 1
    assert Job.objects.get(pk=old.pk).status == Job.Status.FAILED
    assert Job.objects.get(pk=fresh.pk).status == Job.Status.RUNNING


def test_import_page_answers_at_once_with_the_jobs_page(client, officer, run_jobs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    content = b"referencia_caso,anio\nW-1,2023\nW-2,2023\n"
    response = client.post("/importar/", {"archivo": SimpleUploadedFile("w.csv", content)})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/trabajos/{job.pk}/"
    assert not Case.objects.exists()  # nothing done inside the request
    page = client.get(response.url).content.decode()
    assert "En espera" in page and "progress.js" in page and "Cancelar" in page
    state = client.get(f"/trabajos/{job.pk}/estado.json").json()
    assert state["status"] == "queued" and state["finished"] is False

    run_jobs()

    state = client.get(f"/trabajos/{job.pk}/estado.json").json()
    assert state["status"] == "succeeded" and state["finished"] is True
    assert (state["done"], state["total"], state["percent"]) == (2, 2, 100)
    assert "Terminado" in state["html"] and "Cancelar" not in state["html"]
    assert "w.csv" in client.get("/trabajos/").content.decode()


def test_the_cancel_button_stops_a_queued_import(client, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    upload = SimpleUploadedFile("w.csv", b"referencia_caso,anio\nW-1,2023\n")
    job_url = client.post("/importar/", {"archivo": upload}).url
    response = client.post(job_url + "cancelar/", follow=True)
    assert "Cancelado" in response.content.decode()
    assert Job.objects.get().status == Job.Status.CANCELLED


def test_others_cannot_see_or_cancel_a_job(client, officer, other_officer, tmp_path, institutions):
    job = start_import(sheet(tmp_path, 1), officer, institutions)
    client.force_login(other_officer)
    assert client.get(f"/trabajos/{job.pk}/").status_code == 404
    assert client.get(f"/trabajos/{job.pk}/estado.json").status_code == 404
    assert client.post(f"/trabajos/{job.pk}/cancelar/").status_code == 404
    listed = client.get("/trabajos/").content.decode()
    assert f"/trabajos/{job.pk}/" not in listed and "casos.csv" not in listed
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED


def test_who_may_start_which_job_from_the_jobs_page(client, officer, analyst, run_jobs):
    client.force_login(officer)
    assert client.post("/trabajos/iniciar/", {"kind": "summaries"}).status_code == 403
    client.force_login(analyst)
    response = client.post("/trabajos/iniciar/", {"kind": "summaries"})
    job = Job.objects.get()
    assert response.url == f"/trabajos/{job.pk}/"
    assert client.post("/trabajos/iniciar/", {"kind": "import"}).status_code == 403
    run_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_en
    assert "Resumen reconstruido" in client.get(f"/trabajos/{job.pk}/").content.decode()


def test_a_rejected_rows_values_are_shown_but_never_kept_in_the_jobs_row(
    client, officer, web_upload
):
    """Rejected rows quote their values (a name, a document) to the person who imported
    them, from the encrypted quarantine; the job's own row keeps counts only."""
    client.force_login(officer)
    page = web_upload(b"referencia_caso,anio,edad\nR-1,2023,ciento diez\n").content.decode()
    assert "ciento diez" in page and "Filas rechazadas" in page
    job = Job.objects.get()
    assert job.result["rejected"] == 1
    assert "ciento diez" not in str(job.result)
