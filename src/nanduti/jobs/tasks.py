"""The one task the task library runs: a job, by its row's id."""

from django_tasks import task

from nanduti.jobs import runner


@task()
def run_job(job_id: int) -> str:
    return runner.execute(job_id)
