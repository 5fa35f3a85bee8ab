"""Importing cases from institutions' files: CSV, XLSX, XLSForm (Kobo/ODK) and CTDC.

One pipeline whatever the file or the number of processes: read (``io.reading``) → map
columns (the CTDC / XLSForm adapters) → normalise and group into cases (``io.grouping``) →
write (``io.writing``, one transaction per chunk). The last three are :func:`store_chunk`,
run here or, for large files, in worker processes (``io.parallel``). The raw file is kept
sealed; bad rows are quarantined with their reasons (``RejectedRow`` and a rejects CSV that
can be fixed and imported again). Institution + case reference identify a case: importing
a file twice stores nothing new; a case whose rows changed is updated.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext_noop as _

from nanduti.bilingual import Message
from nanduti.registry import ctdc, permissions, sealed, xlsform
from nanduti.registry.institutions import (
    UnknownInstitution,
    ensure_institution,
    existing_codes,
    institution_code,
)
from nanduti.registry.io import grouping, parallel, writing
from nanduti.registry.io.normalise import Problem, RowNormaliser, row_key
from nanduti.registry.io.reading import FORMATS, ImportRefused, Rows, Table, open_table
from nanduti.registry.io.values import SafeCsvWriter
from nanduti.registry.models import ImportBatch, Institution
from nanduti.registry.schema import column_for

CHUNK_ROWS = 1000  # rows grouped and written together, in one transaction
LARGE_CHUNK_ROWS = 5000  # in large files, which need no finer progress and spend less so
# Files with more rows are imported by worker processes; smaller ones would spend longer
# starting them than they save.
PARALLEL_MIN_ROWS = 20_000
WORKERS = 2
REPORT_LIMIT = 1000  # rows of detail kept in the JSON report; all are in the rejects file
# What a batch keeps of the report: how the file was read (its counts are the batch's own).
BATCH_REPORT_KEYS = {"format", "encoding", "delimiter", "sha256", "warnings", "fatal"}
BATCH_REPORT_KEYS |= {"rows_read", "fuzzy_count"}


@dataclass
class ImportReport:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows_read: int = 0
    batch_id: int | None = None  # the first of batch_ids
    batch_ids: list[int] = field(default_factory=list)  # one per institution of the file
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    sha256: str = ""
    raw_path: str = ""
    rejects_path: str = ""
    fatal: str = ""  # set when nothing could be read
    warnings: list[str] = field(default_factory=list)
    fuzzy_matches: list[dict] = field(default_factory=list)
    fuzzy_count: int = 0
    errors: list[dict] = field(default_factory=list)  # [{row, errors: [...]}]
    workers: int = 0  # processes besides the main one that imported rows

    @property
    def readable(self) -> bool:
        return not self.fatal

    def summary(self) -> str:
        return f"stored {self.stored}, updated {self.updated}, rejected {self.rejected}"

    def as_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def add(self, grouped: grouping.Grouped, written: writing.Counts) -> None:
        """One chunk's outcome (the first ``REPORT_LIMIT`` details of each kind)."""
        self.rows_read += grouped.rows_read
        self.stored += written.stored
        self.updated += written.updated
        self.unchanged += written.unchanged
        self.rejected += len(grouped.rejected)
        self.fuzzy_count += len(grouped.fuzzy)
        room = max(REPORT_LIMIT - len(self.fuzzy_matches), 0)
        self.fuzzy_matches += [f.as_dict() for f in grouped.fuzzy[:room]]
        room = max(REPORT_LIMIT - len(self.errors), 0)
        self.errors += [
            {"row": number, "errors": [p.as_dict() for p in problems]}
            for number, _cells, problems, _owner in grouped.rejected[:room]
        ]


def keep_raw(path: Path) -> tuple[str, Path]:
    """Keeps the file, encrypted, as ``VAR_DIR/raw/<sha[:2]>/<sha><suffix>.sealed`` once;
    (sha256 of the plain file, kept copy)."""
    with open(path, "rb") as fh:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
    target = Path(settings.VAR_DIR) / "raw" / sha[:2] / f"{sha}{path.suffix.lower()}{sealed.SUFFIX}"
    if not target.exists():
        sealed.seal(path, target)
    return sha, target


def _resolver() -> Callable[[str], str]:
    """Institution cells → codes without the database (so in worker processes too): the
    institutions that existed when the import started, and the vocabulary's."""
    existing = existing_codes()

    @cache
    def found(raw: str) -> str | UnknownInstitution:
        try:
            return institution_code(raw, existing)
        except UnknownInstitution as error:
            return error

    def resolve(raw: str) -> str:
        if isinstance(code := found(raw), UnknownInstitution):
            raise code
        return code

    return resolve


def _header_score(cells: list[str]) -> int:
    """How many cells of a row are headers the importer knows (to skip title rows)."""
    known = sum(1 for c in cells if c and column_for(c.rsplit("/", 1)[-1]) is not None)
    return max(known, 3 if ctdc.looks_like(cells) else 0)


def _count(rows: Rows, rules: grouping.Rules):
    """The first pass: each row's case (numbered in order of appearance), the position of
    each case's last row, the institutions whose batches keep the file's rows (in the order
    they appear) and the rows identical to an earlier one (row → that row; none in CTDC,
    whose rows are records of their own: identical ones are different victims)."""
    case_of, last = array("I"), array("I")
    numbers: dict[int, int] = {}  # hashed case key → its number: small, even for 1M rows
    seen: dict[int, int] = {}
    repeats: dict[int, int] = {}
    owners: dict[str | None, None] = {}
    records = rules.derive == "position"
    for position, (number, cells) in enumerate(rows):
        adapted = rules.adapted(cells)
        owners[rules.owner(adapted)] = None
        if not records and (first := seen.setdefault(row_key(adapted), number)) != number:
            repeats[number] = first
        case = numbers.setdefault(hash(rules.case_key(number, adapted)), len(last))
        if case == len(last):
            last.append(0)
        last[case] = position
        case_of.append(case)
    return case_of, last, list(owners), repeats


def _chunks(rows: Rows, case_of: array, last: array, repeats: dict[int, int], size: int):
    """The second pass: chunks of about ``size`` rows (:data:`grouping.Row`) made of whole
    cases, each case joining the chunk being filled when its last row is read; so that
    it is grouped and written once, whole."""
    waiting: dict[int, list[grouping.Row]] = {}  # rows of cases not yet complete
    chunk: list[grouping.Row] = []
    try:
        for position, ((number, cells), case) in enumerate(zip(rows, case_of, strict=True)):
            row = (number, cells, repeats.get(number, 0))
            if last[case] != position:
                waiting.setdefault(case, []).append(row)
                continue
            chunk += waiting.pop(case, ())
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
    except ValueError:  # from zip: the file has more or fewer rows than the first pass read
        raise ImportRefused(Message(_("El archivo cambió durante la importación"))) from None
    if chunk:
        yield chunk


def store_chunk(
    rows: list[grouping.Row], rules: grouping.Rules, target: writing.Target, headers: list[str]
) -> tuple[grouping.Grouped, writing.Counts]:
    """Normalises, groups and writes one chunk in its own transaction (here or in a
    worker); returns what the report needs (the cases stay here)."""
    grouped = grouping.group(rows, rules)
    try:
        counts = writing.write(grouped.cases, grouped.rejected, target, headers)
    except DatabaseError as error:
        # The chunk's transaction was rolled back: its rows go to the rejects, with the
        # database's reason, so that nothing is silently lost.
        why = str(error).splitlines()[0][:200] if str(error) else error.__class__.__name__
        lost = _(
            "la base de datos no guardó el bloque de filas de este caso (%(why)s); nada de él "
            "quedó a medias: vuelva a importar estas filas"
        )
        cells = {number: row_cells for number, row_cells, _repeats in rows}
        grouped.rejected += [
            (n, cells[n], [Problem(n, "*", "", Message(lost, why=why))], bundle.institution)
            for bundle in grouped.cases
            for n in bundle.rows
        ]
        counts = writing.write([], grouped.rejected, target, headers)
    grouped.cases = []
    return grouped, counts


def _rejects_csv(files: ExitStack, path: Path, headers: list[str]) -> SafeCsvWriter:
    """The rejects file: the original columns (formula-looking cells neutralised), the row
    number and its problems; it can be fixed and imported again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by files
    writer = SafeCsvWriter(files.enter_context(file))
    writer.writerow([*headers, "_fila", "_errores"])
    return writer


def _institution_id(code: str) -> int:
    return ensure_institution(code).id


def _rules(table: Table, fmt: str | None, report: ImportReport, default: str | None, user):
    """How the file's rows are read into cases: its layout (CTDC, XLSForm or the flat
    rows), its columns, and how a case is told apart; refuses a file of no known column
    or without the institution its rows belong to."""
    report.format, convert, headers = table.container, None, table.headers
    for name, layout in (("ctdc", ctdc), ("xlsform", xlsform)):
        if fmt == name or (fmt is None and layout.looks_like(table.headers)):
            adapter = layout.Adapter(table.headers)
            report.format, convert, headers = name, adapter.convert, adapter.headers
            break
    normaliser = RowNormaliser(
        headers,
        resolve_institution=_resolver(),
        default_institution=default,
        # A user who belongs to an institution imports into it only.
        only_institution=default if permissions.institution_id(user) else None,
        today=date.today(),
    )
    report.warnings += normaliser.warnings
    if normaliser.unknown:  # as written in the file (adapters keep unknown headers)
        unknown = _(
            "Columnas desconocidas, no importadas (quedan en el archivo original): %(names)s"
        )
        report.warnings.append(str(Message(unknown, names=", ".join(normaliser.unknown))))
    if not normaliser.known:
        why = _("Ninguna columna del encabezado es conocida: ¿es un archivo de casos?")
        raise ImportRefused(Message(why))
    if default is None and "institution" not in normaliser.by_name:  # never in CTDC
        why = _(
            "El archivo no tiene columna de institución: indique a qué institución pertenecen "
            "sus casos con --institution CÓDIGO; no se importó nada"
        )
        raise ImportRefused(Message(why))
    if report.format == "ctdc":
        return grouping.Rules(normaliser, convert, "position")
    if not normaliser.has_reference:
        why = _(
            "No hay columna de referencia del caso: cada fila es un caso y su referencia se "
            "deriva del contenido"
        )
        report.warnings.append(str(Message(why)))
    return grouping.Rules(normaliser, convert, "" if normaliser.has_reference else "content")


def import_file(
    path,
    *,
    institution: str | None = None,
    fmt: str | None = None,
    user=None,
    rejects_path=None,
    workers: int | None = None,
    chunk_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Imports one file; never raises for bad content (see ``report.fatal``).

    A ``user`` who belongs to an institution imports into it only: rows naming another
    are rejected. ``workers``: processes that import rows (default: 2 for files of at
    least ``PARALLEL_MIN_ROWS`` rows, else none besides this one); ``chunk_rows``: rows
    written per transaction (default: ``CHUNK_ROWS``, or ``LARGE_CHUNK_ROWS`` in files of
    at least ``PARALLEL_MIN_ROWS`` rows); ``progress(done, total)`` is called after each chunk."""
    path, report, rejects = Path(path), ImportReport(), None
    try:
        if fmt not in (None, *FORMATS):
            raise ImportRefused(Message(_("formato desconocido «%(format)s»"), format=fmt))
        default = _default_institution(institution, user)
        try:
            report.sha256, raw_copy = keep_raw(path)
        except OSError as error:
            unreadable = Message(_("No se pudo leer el archivo: %(error)s"), error=str(error))
            raise ImportRefused(unreadable) from None
        report.raw_path = str(raw_copy)
        rejects = Path(rejects_path or raw_copy.with_name(f"{report.sha256}.rechazos.csv"))
        table = open_table(path, fmt, _header_score)
        report.encoding, report.delimiter = table.encoding, table.delimiter
        report.warnings += table.notes
        rules = _rules(table, fmt, report, default.code if default else None, user)
        case_of, last, owners, repeats = _count(table.rows, rules)
        large = len(case_of) >= PARALLEL_MIN_ROWS
        workers = parallel.usable(workers if workers is not None else WORKERS if large else 1)
        report.workers = workers if workers > 1 else 0
        # The batch of each institution (None: rows whose institution is unknown, which no
        # institution's users see), before any chunk: every process writes into them.
        batches = {
            code: ImportBatch.objects.create(
                institution_id=_institution_id(code) if code else None,
                format=report.format,
                created_by=user if getattr(user, "pk", None) else None,
                original_name=path.name[:255],
                sha256=report.sha256,
                stored_path=report.raw_path,
            )
            for code in owners
        }
        report.batch_ids = [batch.id for batch in batches.values()]
        report.batch_id = report.batch_ids[0] if batches else None
        target = writing.Target(batches, getattr(user, "pk", None), _institution_id)
        size = chunk_rows or (LARGE_CHUNK_ROWS if large else CHUNK_ROWS)
        rows = open_table(path, fmt, _header_score).rows
        chunks = _chunks(rows, case_of, last, repeats, size)
        analyse_at, width = writing.ANALYZE_FIRST, len(table.headers)
        quarantine: SafeCsvWriter | None = None
        with ExitStack() as files:
            try:
                for grouped, written in parallel.mapped(
                    store_chunk, chunks, (rules, target, table.headers), workers
                ):
                    report.add(grouped, written)
                    if grouped.rejected:
                        quarantine = quarantine or _rejects_csv(files, rejects, table.headers)
                        for number, cells, problems, _owner in grouped.rejected:
                            why = " | ".join(p.message for p in problems)
                            quarantine.writerow(
                                [*(list(cells) + [""] * width)[:width], number, why]
                            )
                    if report.stored >= analyse_at:
                        analyse_at = 2 * report.stored
                        writing.analyse_cases()
                    if progress is not None:
                        progress(report.rows_read, len(case_of))
            except parallel.WorkerFailed as error:
                # What was written is committed: the batches and their audit events say so.
                stopped = _(
                    "La importación se interrumpió: %(error)s. Se guardaron %(stored)s casos "
                    "antes; vuelva a importar el archivo (los casos guardados se reconocen)"
                )
                report.fatal = str(Message(stopped, error=str(error), stored=report.stored))
        writing.finish(report.stored)
        if report.rows_read == 0:
            only = Message(_("El archivo solo tiene el encabezado: no hay filas"))
            report.warnings.append(str(only))
        if report.rejected:
            report.rejects_path = str(rejects)
        # Each batch's counts came with its chunks; its report says how the file was read,
        # never what other institutions' rows held (rejected rows stay encrypted).
        about_file = {k: v for k, v in report.as_dict().items() if k in BATCH_REPORT_KEYS}
        about_file["finished"] = True
        ImportBatch.objects.filter(pk__in=report.batch_ids).update(report=about_file)
    except ImportRefused as error:
        report.fatal = str(error)
    finally:
        if not rejects_path and rejects is not None and rejects.exists():
            # The quarantine kept beside the raw file is encrypted at rest like it, also
            # when ``progress`` stopped the import.
            kept = sealed.seal_in_place(rejects)
            report.rejects_path = str(kept) if report.rejects_path else ""
    return report


def _default_institution(code: str | None, user) -> Institution | None:
    """The institution rows without one go to: a user's own institution, which no other
    code may replace; else ``code``'s, if known."""
    own = permissions.institution_id(user)
    try:
        default = ensure_institution(code) if code else None
    except UnknownInstitution as error:
        hint = ", ".join(error.suggestions)
        raise ImportRefused(f"{error} ({hint})" if hint else str(error)) from None
    if own is None:
        return default
    if default is not None and default.id != own:
        why = _("solo puede importar casos de su institución, no de «%(code)s»")
        raise ImportRefused(Message(why, code=code))
    return Institution.objects.get(pk=own)
