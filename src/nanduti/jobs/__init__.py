"""Background jobs: imports, monitoring runs, reports, summary rebuilds and linkage runs run
outside the request by a worker (django-tasks with its database backend), each a Job row with
progress, cancel and errors in both languages.

Public: queue, runner, terminal, worker, models
"""
