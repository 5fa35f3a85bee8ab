"""Values computed from the registry, kept until the registry changes.

Every change to case data writes an audit event (``Audited`` models on save and delete,
the importer once per committed chunk), and every import opens a batch: the highest
audit-event and import-batch ids move with every change (and those of cases and victims
with rows inserted in bulk). One query on primary-key indexes reads them
(:func:`marker`), and a count or flag that pages show on every view is kept in the cache
under that marker (:func:`kept`): it is counted again only after something changed — the
cache is invalidated by the write itself, whichever process made it. The timeout bounds
how long a value can lag where the marker misses: two transactions committing out of id
order, or a change written without an audit event. Inside a transaction nothing is kept:
what it reads may be rolled back, and with it the ids the marker saw (SQLite reuses them).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

T = TypeVar("T")
TIMEOUT = 10  # seconds
_MISSING = object()


def marker() -> tuple[int, ...]:
    """The highest ids of audit events, import batches, cases and victims: they move
    whenever case data change (cases and victims too, for rows inserted in bulk)."""
    from nanduti.registry.models import AuditEvent, Case, ImportBatch, Victim

    tops = ", ".join(
        f'(SELECT MAX("id") FROM "{model._meta.db_table}")'
        for model in (AuditEvent, ImportBatch, Case, Victim)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {tops}")
        return tuple(top or 0 for top in cursor.fetchone())


def cache_key(*parts) -> str:
    """A key any cache backend accepts (no spaces, bounded length) for any parts."""
    return "nanduti:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def kept(name: str, compute: Callable[[], T], timeout: int = TIMEOUT) -> T:
    """``compute()``, or its value kept since the registry last changed."""
    if connection.in_atomic_block:
        return compute()
    key = cache_key(name, marker())
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, timeout)
    return value


# A few locks shared by all keys (a key's lock is chosen by its hash): bounded however many
# different queries users make.
_LOCKS = [threading.Lock() for _ in range(32)]


def once_per_version(
    name: str, version, compute: Callable[[], T], timeout: int = 300, settle: float = 0
) -> tuple[T, str | None]:
    """(``compute()``, None), counted once per ``version`` of the data in this process.

    Slow counts (a table of every case) are not repeated by each thread that asks for the
    same new version: while one thread counts, the others get the value counted for the
    previous version and when it was counted — ``(value, "2026-12-07T05:01:02-03:00")`` —
    to be shown as such; with no previous value they wait for the count. Within
    ``settle`` seconds of the last count the previous value is given too, so a registry
    changing every second (an import commits chunk by chunk) is not recounted each time."""
    if connection.in_atomic_block:
        return compute(), None
    key = cache_key(name, version)
    found = cache.get(key, _MISSING)
    if found is not _MISSING:
        return found[0], None
    latest = cache_key(name, "latest")
    previous = cache.get(latest, _MISSING)
    if previous is not _MISSING and time.time() - previous[2] < settle:
        return previous[0], previous[1]
    lock = _LOCKS[hash(name) % len(_LOCKS)]
    if not lock.acquire(blocking=False):
        if previous is not _MISSING:
            return previous[0], previous[1]
        lock.acquire()
    try:
        found = cache.get(key, _MISSING)
        if found is _MISSING:
            found = (compute(), timezone.localtime().isoformat(timespec="seconds"), time.time())
            cache.set(key, found, timeout)
            cache.set(latest, found, timeout)
        return found[0], None
    finally:
        lock.release()
