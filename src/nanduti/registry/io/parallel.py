"""Normalising rows in worker processes while the main process groups and writes them.

Parsing values through the vocabularies is pure and per row, so worker processes can do it
while the main process writes. Each worker reads the file itself (nothing is sent to it)
and normalises every N-th chunk of a few thousand rows; the main process reads the file
too, for the original cells, and takes each chunk's results from its worker in order. A
pipe holds little, so a worker that runs ahead waits: memory stays flat whatever the size
of the file. Workers are forked after the importer's first pass (vocabularies loaded, the
file's institutions resolved): they inherit the normaliser and never touch the database.
A row that would need the database (an institution not seen in the first pass, in
"derivado_a" say) comes back unnormalised and the main process normalises it.

``packed_in_workers`` goes further for files whose cases have consecutive rows: chunks are
cut on case boundaries (by the first pass), so a worker can also group its rows into cases
and build their table rows; and, when it may (:func:`can_write_in_workers`), store them
through a database connection of its own, one transaction per chunk, so that the main
process only collects counts, id ranges and rejected rows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

from nanduti.registry.io.bundles import row_text
from nanduti.registry.io.normalise import RowNormaliser, row_key

# Rows a worker reads, packs and stores as one transaction. Smaller chunks cost the
# workers less CPU per row (300,000 rows on PostgreSQL: 8,000 → 20–21 s, 2,000 → 17–18 s,
# 1,000 → 16 s, 500 → 16 s with more server time per row): a chunk's rows and table rows
# stay small enough to be worked on while still in the CPU's caches.
CHUNK_ROWS = 1000

Row = tuple[int, list[str], list[str]]  # number, original cells, adapted cells


class NeedsMain(Exception):
    """Raised in a worker for a value only the main process can resolve."""


class WorkerFailed(Exception):
    """A worker process failed or died; the message is Spanish / English."""

    def __init__(self, reason: str):
        super().__init__(
            f"un proceso de importación falló ({reason}) / an import process failed ({reason})"
        )


def _received(pipe, process):
    """The next message from a worker, or None when it has finished; WorkerFailed if it
    died (killed, out of memory) or reported an error."""
    try:
        message = pipe.recv()
    except EOFError:
        process.join()
        if process.exitcode != 0:
            raise WorkerFailed(f"exit code {process.exitcode}") from None
        return None
    if isinstance(message, tuple) and message and message[0] == "error":
        raise WorkerFailed(message[1].strip().splitlines()[-1])
    return message


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_SECONDS = 0.5


def _die_with_parent(parent: int) -> None:
    """A worker ends when the process that started it dies, however it dies (SIGKILL runs
    no clean-up, and daemon processes are only ended by a parent that exits normally):
    on Linux the kernel sends it SIGKILL; elsewhere a thread watches the parent."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(PARENT_CHECK_SECONDS)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def _cached_only(resolver) -> Callable[[str], str]:
    known = dict(getattr(resolver, "resolved", dict)())

    def resolve(raw: str) -> str:
        result = known.get(raw)
        if result is None:
            raise NeedsMain(raw)
        if isinstance(result, Exception):
            raise result
        return result

    return resolve


def _worker(index: int, count: int, conn, normaliser: RowNormaliser, reopen, parent: int) -> None:
    _die_with_parent(parent)
    normaliser.resolve_institution = _cached_only(normaliser.resolve_institution)
    try:
        _normalise_share(index, count, conn, normaliser.normalise, reopen)
    except Exception:  # noqa: BLE001 - reported to the main process, which raises it
        import traceback

        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
        os._exit(0)  # no Django or database clean-up in a forked child


def _normalise_share(index: int, count: int, conn, normalise, reopen) -> None:
    out: list = []
    for position, (number, _cells, adapted) in enumerate(reopen()):
        if (position // CHUNK_ROWS) % count != index:
            continue
        try:
            row, problems, fuzzy = normalise(number, adapted)
            text = row_text(row) if row is not None else ""
            result = (row, problems or None, fuzzy or None, text)
        except NeedsMain:
            result = None
        out.append((number, row_key(adapted), result))
        if len(out) == CHUNK_ROWS:
            conn.send(out)
            out.clear()
    conn.send(out)


def serial(rows: Iterator[Row], fingerprints: bool) -> Iterator[tuple]:
    """(number, cells, adapted, fingerprint, None): the main process normalises."""
    for number, cells, adapted in rows:
        yield number, cells, adapted, (row_key(adapted) if fingerprints else None), None


def in_workers(
    rows: Iterator[Row], normaliser: RowNormaliser, reopen: Callable, workers: int
) -> Iterator[tuple]:
    """(number, cells, adapted, fingerprint, result), in the order of ``rows``; result is
    (row, problems, fuzzy, row_text), or None for a row the main process must normalise."""
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for index in range(workers):
        mine, theirs = context.Pipe(duplex=False)
        process = context.Process(
            target=_worker,
            args=(index, workers, theirs, normaliser, reopen, os.getpid()),
            daemon=True,
        )
        process.start()
        theirs.close()
        pipes.append(mine)
        processes.append(process)
    try:
        results: list = []
        at = 0
        for position, (number, cells, adapted) in enumerate(rows):
            if at == len(results):
                turn = (position // CHUNK_ROWS) % workers
                results = _received(pipes[turn], processes[turn])
                if results is None:
                    raise WorkerFailed("ended early")
                at = 0
            done_number, fingerprint, result = results[at]
            at += 1
            if done_number != number:
                raise RuntimeError(f"worker out of step at row {number} ({done_number})")
            if result is not None:
                row, problems, fuzzy, text = result
                result = (row, problems or [], fuzzy or [], text)
            yield number, cells, adapted, fingerprint, result
    finally:
        _stop(processes, pipes)


_INHERITED: list = []  # the parent's database handles, kept alive and never used


def own_connections() -> None:
    """In a forked worker that writes: database connections of its own. The parent's stay
    referenced and untouched, because closing them here would end the parent's session
    (PostgreSQL) or disturb its file locks (SQLite); the worker leaves with ``os._exit``."""
    from django.db import connections

    for wrapper in connections.all(initialized_only=True):
        _INHERITED.append(wrapper.connection)
        wrapper.connection = None


def can_write_in_workers() -> bool:
    """Whether worker processes may write through connections of their own: they must see
    what this process committed (not inside a transaction of its own) and reach the same
    database (not SQLite's per-process in-memory one)."""
    from django.db import connection

    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def scanned_chunks(reopen: Callable, starts: list[int]) -> Callable:
    """chunks(index, count): the rows of chunks index, index + count, … found by reading
    the whole file (for files that cannot be read from an offset, such as XLSX)."""

    def chunks(index: int, count: int) -> Iterator[list]:
        rows: list = []
        chunk, following = -1, 0
        for position, row in enumerate(reopen()):
            if following < len(starts) and position == starts[following]:
                if rows:
                    yield rows
                    rows = []
                chunk, following = following, following + 1
            if chunk % count == index:
                rows.append(row)
        if rows:
            yield rows

    return chunks


def seeked_chunks(positioned: Callable, starts: list[int], offsets: list) -> Callable:
    """chunks(index, count) as :func:`scanned_chunks`, each read from the byte offset and
    row number where the first pass saw it start: a worker parses only its own chunks."""

    def chunks(index: int, count: int) -> Iterator[list]:
        for chunk in range(index, len(starts), count):
            size = starts[chunk + 1] - starts[chunk] if chunk + 1 < len(starts) else None
            rows = itertools.islice(positioned(*offsets[chunk]), size)
            yield [(number, cells, adapted) for number, cells, adapted, _at in rows]

    return chunks


def _packing_worker(
    index: int, count: int, conn, normaliser, chunks, pack_chunk, setup, parent: int
) -> None:
    _die_with_parent(parent)
    normaliser.resolve_institution = _cached_only(normaliser.resolve_institution)
    try:
        if setup is not None:
            setup()
        for rows in chunks(index, count):
            conn.send(pack_chunk(rows))
    except Exception:  # noqa: BLE001 - reported to the main process, which raises it
        import traceback

        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
        os._exit(0)  # no Django or database clean-up in a forked child


def packed_in_workers(
    normaliser: RowNormaliser,
    chunks: Callable[[int, int], Iterator[list]],
    chunk_count: int,
    pack_chunk,
    workers: int,
    setup: Callable[[], None] | None = None,
) -> Iterator[tuple]:
    """``pack_chunk(rows)`` of each chunk of the file, in file order. Chunks end on case
    boundaries (so that a worker sees every row of its cases); chunk i goes to worker
    i mod ``workers``, which reads it with ``chunks`` (:func:`seeked_chunks` or
    :func:`scanned_chunks`). ``setup`` runs first in each worker (:func:`own_connections`
    when workers write)."""
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for index in range(workers):
        mine, theirs = context.Pipe(duplex=False)
        process = context.Process(
            target=_packing_worker,
            args=(index, workers, theirs, normaliser, chunks, pack_chunk, setup, os.getpid()),
            daemon=True,
        )
        process.start()
        theirs.close()
        pipes.append(mine)
        processes.append(process)
    try:
        for chunk in range(chunk_count):
            result = _received(pipes[chunk % workers], processes[chunk % workers])
            if result is None:
                break  # the file ended early (changed since the first pass)
            yield result
    finally:
        _stop(processes, pipes)


def _stop(processes, pipes) -> None:
    """Ends the workers (early when the reader stopped half-way) and closes their pipes."""
    for process in processes:
        if process.is_alive():
            process.terminate()
        process.join()
    for pipe in pipes:
        pipe.close()
