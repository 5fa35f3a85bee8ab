"""``map`` over chunks in forked worker processes, results in order: ``mapped`` is plain
``map`` when ``workers`` is 1. At most a few chunks are in flight, so memory stays flat
whatever the size of the file; each process opens its own database connections.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.db import connection, connections
from django.db.backends.sqlite3.creation import DatabaseCreation

PR_SET_PDEATHSIG = 1  # linux/prctl.h
IN_FLIGHT_PER_WORKER = 2
# An import allocates millions of short-lived objects, nearly none in cycles: at the default
# threshold (700) the cyclic collector ran ~1,700 times per 50,000 rows, a quarter of the
# CPU, mostly rescanning what was loaded before (vocabularies, caches). During an import
# that is frozen (never scanned) and the youngest generation is collected every:
GC_THRESHOLD = 50_000
_shared: tuple = ()  # a worker's fixed arguments, given once


class WorkerFailed(Exception):
    """An import process failed or died (the message is Spanish / English)."""


def _failed(reason: str) -> WorkerFailed:
    return WorkerFailed(
        f"un proceso de importación falló ({reason}) / an import process failed ({reason})"
    )


def usable(workers: int) -> int:
    """``workers``, or 1 where other processes would not see this one's rows: inside a
    transaction not yet committed, or in an in-memory SQLite database."""
    if connection.in_atomic_block or (
        connection.vendor == "sqlite"
        and DatabaseCreation.is_in_memory_db(connection.settings_dict["NAME"])
    ):
        return 1
    return workers


def _start(shared: tuple) -> None:
    global _shared
    _shared = shared
    # The worker ends when the importing process dies, however it dies (SIGKILL runs no
    # clean-up), so nothing outlives a killed import.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _call(function: Callable, chunk):
    try:
        return function(chunk, *_shared)
    except Exception as error:  # noqa: BLE001 - any failure in a worker stops the import
        raise _failed(f"{error.__class__.__name__}: {error}") from None


def mapped(function: Callable, chunks: Iterable, shared: tuple = (), workers: int = 1) -> Iterator:
    """``function(chunk, *shared)`` for each chunk, in order; :class:`WorkerFailed` when a
    worker fails or dies."""
    threshold, pool = gc.get_threshold(), None
    gc.freeze()  # until the end, here and (forked within) in the workers; see GC_THRESHOLD
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        if workers <= 1:
            yield from (function(chunk, *shared) for chunk in chunks)
            return
        # Forked: the workers inherit the vocabularies already loaded, and would inherit the
        # database connections, whose sockets two processes cannot share.
        connections.close_all()
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=(shared,)
        )
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.submit(_call, function, chunk))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise _failed("a worker ended abruptly / un proceso terminó de golpe") from None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        gc.set_threshold(*threshold)
        gc.unfreeze()
