"""Optimistic concurrency for cases: a write names the version it was made from.

``Case.version`` goes up by one on every write through ``registry.services`` (the only
module that imports this one). A web form or API client sends back the version it read;
:func:`lock_case` locks the row for the rest of the transaction and refuses the write when
someone else saved in between, instead of letting the later save silently overwrite the
earlier one. Children (victims, technologies, …) are written only together with their case,
so the case's version covers them.
"""

from __future__ import annotations

from nanduti.registry.models import Case


class StaleVersion(Exception):
    """The case changed since the writer read it."""

    def __init__(self, stored: Case, expected: int | None):
        self.stored = stored
        self.expected = expected
        super().__init__(
            f"El caso {stored.reference} cambió desde que lo leyó (versión guardada "
            f"{stored.version}, la suya {expected if expected is not None else '—'}); "
            "vuelva a leerlo / the case changed since you read it (stored version "
            f"{stored.version}, yours {expected if expected is not None else '—'}); read it again"
        )


def lock_case(case_id: int, expected: int | None) -> Case:
    """The case, fresh and row-locked until the current transaction ends.

    ``expected`` None skips the version check (the caller applies only named fields to
    the fresh row, which cannot lose anyone's change). Must run inside ``atomic()``; on
    SQLite the immediate transaction already serialises writers.
    """
    case = Case.objects.select_for_update().get(pk=case_id)
    if expected is not None and case.version != expected:
        raise StaleVersion(case, expected)
    return case
