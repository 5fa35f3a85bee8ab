"""Rebuilding the statistics summary outside requests.

A request that finds the summary older than the data never rebuilds it (a minute per million
cases); it calls :func:`request_summary_rebuild` and answers from the last summary, marked
stale with the time it was built (``crosstab``). With ``NANDUTI_SUMMARY_REBUILD=job`` (the
default) the rebuild is queued as a background job (``nanduti.jobs`` registers the queue with
:func:`use_queue` when it loads: stats may not import jobs), run by ``nanduti worker`` or the
worker ``nanduti serve`` starts; with ``thread`` it runs in a thread of the serving process
(also the fallback when no queue is registered); with ``off`` it is left to
``nanduti rebuild-summaries`` (once, or ``--watch`` as its own process).

One rebuild at a time: within a process a single worker thread picks up every request made
while it runs; across processes (server workers, the CLI) a lock file under ``VAR_DIR``
makes the others skip (or wait, for the CLI); and ``summary.refresh`` itself serialises its
write transaction, so two rebuilds that do overlap replace the summary, never add to it.

After an import (``registry.signals.cases_imported``, sent by the ``import`` command) the
summary is rebuilt at once by :func:`rebuild_after_import`, connected in ``StatsConfig.ready``.

:func:`request_summary_rebuild` is the one seam: :func:`use_queue` hands it to a job queue.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.db import connection

from nanduti.stats import summary
from nanduti.stats.models import SummaryState

logger = logging.getLogger(__name__)
_guard = threading.Lock()


class _State(TypedDict):
    pending: bool  # a change came in since the worker last started a rebuild
    worker: threading.Thread | None


_state: _State = {"pending": False, "worker": None}


_queue: list[Callable[[], object]] = []  # at most one: what queues a rebuild as a job


def use_queue(queue: Callable[[], object]) -> None:
    """Queue rebuilds with ``queue()`` (a job for a worker) instead of a server thread."""
    _queue[:] = [queue]


def request_summary_rebuild() -> object:
    """Ask for the snapshot and summary to be rebuilt soon, outside the caller; returns the
    queued job, or the thread that rebuilds, or None (rebuilds left to the command)."""
    mode = settings.NANDUTI_SUMMARY_REBUILD
    if mode == "job" and _queue:
        return _queue[0]()
    if mode == "off":
        return None
    with _guard:
        _state["pending"] = True
        if _state["worker"] is None:
            worker = threading.Thread(target=_work, name="nanduti-summary-rebuild", daemon=True)
            _state["worker"] = worker
            worker.start()
        return _state["worker"]


def _work() -> None:
    try:
        while True:
            with _guard:
                if not _state["pending"]:
                    _state["worker"] = None
                    return
                _state["pending"] = False
            try:
                rebuild_summaries(wait=False)
            except Exception:  # a failed rebuild leaves the last summary in use; said in the log
                logger.exception("summary rebuild failed")
    finally:
        connection.close()  # this thread's own database connection


@contextmanager
def _rebuild_lock(wait: bool):
    path = Path(settings.VAR_DIR) / "summary-rebuild.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild_summaries(wait: bool = True) -> SummaryState | None:
    """Rebuild the columnar snapshot and the summary unless they are current; None when
    another process is rebuilding them (and ``wait`` is false)."""
    with _rebuild_lock(wait) as locked:
        if not locked:
            return None
        # imported here: Django imports this module at every start (jobs' ready()), and the
        # snapshot's pyarrow costs every command ~0.4 CPU-s (`monitor extract` included)
        from nanduti.stats import snapshot

        version = summary.data_version()
        copied = snapshot.current()
        if copied is None or copied.version != version:
            snapshot.build()  # seconds: first, so every table is fast again soonest
        state = SummaryState.objects.first()
        if state is not None and state.version == version:
            return state
        return summary.refresh(version)


def rebuild_after_import(sender, **kwargs) -> None:
    """Receiver of ``registry.signals.cases_imported``: the import command waits for the
    rebuild, so the figures it leaves behind are current."""
    rebuild_summaries(wait=True)
