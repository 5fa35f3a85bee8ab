"""The import page's logic: check an upload belongs to the user's institution, run the
importer, and turn quarantined rows into a downloadable CSV."""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from nanduti.registry.models import Institution, RejectedRow
from nanduti.registry.schema import column_for
from nanduti.registry.xlsform import GROUP_SEPARATORS
from nanduti.taxonomy.vocab import fold

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


def fields(header: str) -> list[str]:
    """The header, and its last part after each Kobo group separator («caso/institucion»),
    as the importer may read it."""
    return [header, *(header.rsplit(s, 1)[-1] for s in GROUP_SEPARATORS if s in header)]


def foreign_institutions(path: Path, own: Institution, fmt: str | None = None) -> list[str]:
    """Values of the file's «institution» column that are not the user's institution.

    The importer takes a row's institution from that column; through the web a user may
    only import into their own institution, so such a file is refused before importing.
    """
    from nanduti.registry.io.reading import UnreadableFile, open_table

    try:
        table = open_table(path, fmt)
    except (UnreadableFile, OSError):
        return []  # the importer reports why it cannot read the file
    position = next(
        (
            i
            for i, h in enumerate(table.headers)
            if any(getattr(column_for(f), "name", "") == "institution" for f in fields(h))
        ),
        None,
    )
    if position is None:
        return []
    accepted = {fold(own.code), fold(own.name)}
    foreign: list[str] = []
    for _number, cells in table.rows:
        value = cells[position].strip() if position < len(cells) else ""
        if value and fold(value) not in accepted and value not in foreign:
            foreign.append(value)
            if len(foreign) >= 5:
                break
    return foreign


def rejected_rows_csv(batch_id: int) -> str:
    """The batch's rejected rows with their original columns, row number and reasons."""
    from nanduti.registry.io.values import neutralise_formula

    rows = list(RejectedRow.objects.filter(batch_id=batch_id).order_by("row_number"))
    headers: list[str] = []
    for row in rows:
        for key in row.raw:
            if key != "_extra" and key not in headers:
                headers.append(key)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*headers, "_fila", "_errores"])
    for row in rows:
        reasons = " | ".join(
            f"{e.get('column', '')}: {e.get('message_es', '')} / {e.get('message_en', '')}"
            for e in row.errors
        )
        cells = [str(row.raw.get(h, "")) for h in headers]
        # Cells that a spreadsheet would run as formulas are neutralised, as in exports.
        writer.writerow([neutralise_formula(c) for c in (*cells, str(row.row_number), reasons)])
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
