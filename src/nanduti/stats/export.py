"""What is shown, as files: tidy rows (one per cell and margin) in CSV, JSON or XLSX."""

from __future__ import annotations

import io
import json
from itertools import product

from nanduti.registry.io.values import SafeCsvWriter, neutralised
from nanduti.stats.crosstab import TOTAL
from nanduti.stats.publish import Result

FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _code(value):
    if value == TOTAL:
        return "total"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def tidy_rows(result: Result, language: str = "es") -> list[dict]:
    """Every cell and margin of the table, cells first, with codes, labels and the count."""
    t = result.table
    axes = [list(c) + [TOTAL] for c in t.categories]
    rows = []
    for key in sorted(product(*axes), key=lambda k: (k.count(TOTAL), 0)):
        row: dict = {}
        for i, f in enumerate(t.fields):
            row[f.name] = _code(key[i])
            row[f"{f.name}_label"] = t.label(i, key[i], language)
        hidden = result.hidden(key)
        row["count"] = None if hidden else result.shown(key)
        row["suppressed"] = hidden
        rows.append(row)
    return rows


def to_csv(result: Result, language: str = "es") -> str:
    rows = tidy_rows(result, language)
    buf = io.StringIO()
    header = []
    for f in result.table.fields:
        header += [f.name, f"{f.name}_label"]
    header += ["count", "suppressed"]
    writer = SafeCsvWriter(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        out = dict(row)
        out["count"] = "" if row["suppressed"] else row["count"]
        out["suppressed"] = "true" if row["suppressed"] else "false"
        writer.writerow([out.get(h, "") for h in header])
    return buf.getvalue()


def to_json(result: Result, language: str = "es") -> str:
    payload = {**result.description(), "rows": tidy_rows(result, language)}
    return json.dumps(payload, ensure_ascii=False, indent=1, default=str)


def to_xlsx(result: Result, language: str = "es") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "tabla"
    rows = tidy_rows(result, language)
    header = list(rows[0]) if rows else ["count"]
    ws.append(header)
    for row in rows:
        ws.append(neutralised(row[h] if row[h] is not None else "—" for h in header))
    meta = wb.create_sheet("metodo")
    for k, v in result.description().items():
        meta.append([k, json.dumps(v, ensure_ascii=False, default=str)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render(result: Result, fmt: str, language: str = "es") -> bytes:
    if fmt not in FORMATS:
        raise ValueError(
            f"Formato desconocido «{fmt}» / unknown format «{fmt}»; válidos / valid: "
            + ", ".join(FORMATS)
        )
    if fmt == "xlsx":
        return to_xlsx(result, language)
    text = to_csv(result, language) if fmt == "csv" else to_json(result, language)
    return text.encode("utf-8")
