"""The import page's logic: keep the upload privately while the importer reads it (which
confines the rows to the user's institution), and turn quarantined rows into a
downloadable CSV."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from nanduti.registry.models import RejectedRow

ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def safe_name(name: str) -> str:
    stem = re.sub(r"[^\w.\-]+", "_", Path(name).name, flags=re.UNICODE).strip("._")
    return (stem or "archivo")[:120]


def save_upload(upload) -> Path:
    """Write the upload to a private temporary folder, keeping its (cleaned) name."""
    folder = Path(settings.VAR_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target_dir = Path(tempfile.mkdtemp(dir=folder))
    target = target_dir / safe_name(upload.name)
    with open(target, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return target


def discard_upload(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def rejected_rows_csv(batch_id: int) -> str:
    """The batch's rejected rows with their original columns, row number and reasons."""
    from nanduti.registry.io.values import SafeCsvWriter

    rows = list(RejectedRow.objects.filter(batch_id=batch_id).order_by("row_number"))
    headers: list[str] = []
    for row in rows:
        for key in row.raw:
            if key != "_extra" and key not in headers:
                headers.append(key)
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow([*headers, "_fila", "_errores"])
    for row in rows:
        reasons = " | ".join(
            f"{e.get('column', '')}: {e.get('message_es', '')} / {e.get('message_en', '')}"
            for e in row.errors
        )
        cells = [str(row.raw.get(h, "")) for h in headers]
        writer.writerow([*cells, row.row_number, reasons])
    return "\ufeff" + out.getvalue()


def error_rows(errors: list[dict]) -> list[dict]:
    """Flatten the importer's ``[{row, errors: [...]}]`` into one line per problem."""
    flat = []
    for entry in errors:
        for problem in entry.get("errors", []):
            flat.append(
                {
                    "row": problem.get("row", entry.get("row")),
                    "column": problem.get("column", ""),
                    "value": problem.get("value", ""),
                    "message_es": problem.get("message_es", ""),
                    "message_en": problem.get("message_en", ""),
                    "suggestions": problem.get("suggestions", []),
                }
            )
    return flat


def rejected_problems(rejected_rows, limit: int = 1000) -> list[dict]:
    """One line per problem of the first ``limit`` rejected rows (decrypted here, on show)."""
    return error_rows([{"row": r.row_number, "errors": r.errors} for r in rejected_rows[:limit]])
