"""Exporting cases: flat CSV / XLSX (the columns the importer reads) and CTDC.

Cases are streamed in chunks (``iterator`` + prefetch), never all in memory. Cells a
spreadsheet would run as formulas get a leading apostrophe, which the importer strips
again, so export → import → export gives the same file. Identifying columns are written
only when asked for (the command allows it only for one institution).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import repeat

from nanduti.registry import ctdc, schema
from nanduti.registry.flat import bundle_of, flat_rows, prefetch
from nanduti.registry.io.values import neutralise_formula

EXPORT_FORMATS = ("csv", "xlsx", "ctdc")
CHUNK = 2000
COLUMNS = [c.name for c in schema.COLUMNS]
IDENTIFYING = [c.name for c in schema.COLUMNS if c.kind == "identifying"]


def columns(include_identifying: bool) -> list[str]:
    return [c for c in COLUMNS if include_identifying or c not in IDENTIFYING]


def flat_export_rows(queryset, include_identifying: bool = False) -> Iterator[dict[str, str]]:
    """Flat rows of every case of ``queryset``, in a stable order, chunk by chunk."""
    ordered = prefetch(queryset.order_by("institution__code", "reference", "id"))
    for case in ordered.iterator(chunk_size=CHUNK):
        yield from flat_rows(bundle_of(case), include_identifying)


def export_cases(queryset, fmt: str, out, include_identifying: bool = False) -> int:
    """Writes the cases to ``out`` (a path or a binary/text file); returns rows written."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"formato desconocido «{fmt}» / unknown format «{fmt}»")
    if fmt == "ctdc":
        header, records = ctdc.export_rows(queryset, flat_export_rows)
        return _write_csv(records, out, header)
    rows = flat_export_rows(queryset, include_identifying)
    if fmt == "xlsx":
        return _write_xlsx(rows, out, columns(include_identifying))
    return _write_csv(rows, out, columns(include_identifying))


def _write_csv(rows, out, header: list[str]) -> int:
    if isinstance(out, str | bytes) or hasattr(out, "__fspath__"):
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            return _write_csv(rows, fh, header)
    writer = csv.writer(out)
    writer.writerow(header)
    safe = _Neutralised().__getitem__
    count = 0
    for row in rows:
        writer.writerow(list(map(safe, map(row.get, header, repeat("")))))
        count += 1
    return count


class _Neutralised(dict):
    """A cell → what the exporter writes for it, each distinct cell worked out once (codes
    and CTDC's -99/0/1 repeat in every row)."""

    def __missing__(self, text: str) -> str:
        safe = neutralise_formula(text)
        if len(self) < 100_000:
            self[text] = safe
        return safe


def _write_xlsx(rows, out, header: list[str]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("casos")
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([neutralise_formula(row.get(c, "")) for c in header])
        count += 1
    workbook.save(out)
    return count
