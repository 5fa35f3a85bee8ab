"""Importing cases from institutions' files: CSV, XLSX, XLSForm (Kobo/ODK) and CTDC.

``import_file`` keeps the raw file (sealed, content-addressed under ``VAR_DIR/raw``) and
runs one pipeline whatever the file or the number of processes: read (``io.reading``) →
map columns (the CTDC / XLSForm adapters, ``io.normalise.plan_headers``) → normalise and
group into cases (``io.grouping``) → write (``io.writing``, one transaction per chunk); the
last two are :func:`store_chunk`, run in this process or, for large files, in worker
processes with their own database connections (``io.parallel``). A first pass over the
file routes the rows of each case into one chunk, wherever they are, finds repeated rows
and the institutions whose import batches will hold them. Bad rows are
quarantined with their reasons (``RejectedRow`` and a rejects CSV that can be fixed and
imported again). Institution + case reference identify a case: importing the same file
twice stores nothing new; a case whose rows changed is updated (its children replaced).
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.backends.sqlite3.creation import DatabaseCreation

from nanduti.registry import ctdc, permissions, sealed, xlsform
from nanduti.registry.io import grouping, parallel, writing
from nanduti.registry.io.normalise import Problem, RowNormaliser, row_key
from nanduti.registry.io.reading import FORMATS, UnreadableFile, cell_text, open_table
from nanduti.registry.io.values import CellError, SafeCsvWriter
from nanduti.registry.models import ImportBatch, Institution
from nanduti.registry.schema import column_for
from nanduti.taxonomy import vocab

CHUNK_ROWS = 1000  # rows grouped and written together, in one transaction
# ... and in large files, which need no finer progress and spend less per row so.
LARGE_CHUNK_ROWS = 5000
# Files with more rows are normalised in worker processes; smaller ones would spend
# longer starting them than they save.
PARALLEL_MIN_ROWS = 20_000
WORKERS = 2
REPORT_LIMIT = 1000  # rows of detail kept in the JSON report; all are in the rejects file
# What a batch keeps of the report: how the file was read (its counts are the batch's own).
BATCH_REPORT_KEYS = (
    *("format", "encoding", "delimiter", "sha256", "warnings", "fatal", "rows_read", "fuzzy_count"),
)
NumberedRows = Iterator[tuple[int, list[str]]]  # row number, cells as in the file


class UnknownInstitution(CellError):
    pass


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
    workers: int = 0  # processes besides the main one that normalised rows

    @property
    def readable(self) -> bool:
        return not self.fatal

    def summary(self) -> str:
        return f"stored {self.stored}, updated {self.updated}, rejected {self.rejected}"

    def as_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


def _existing_codes() -> dict[str, str]:
    """Every institution's code, also by its lower case (a file may write «ufetesi»)."""
    codes = list(Institution.objects.values_list("code", flat=True))
    return {**{c.lower(): c for c in reversed(codes)}, **{c: c for c in codes}}


def institution_code(text: str, existing: dict[str, str]) -> str:
    """The code of the institution a cell names (code, name or alias); the institution may
    not exist yet (see :func:`ensure_institution`). Raises :class:`UnknownInstitution`."""
    text = (text or "").strip()
    found = existing.get(text) or existing.get(text.lower())
    if found:
        return found
    try:
        institutions = vocab.get("institution")
    except (KeyError, FileNotFoundError):
        institutions = None
    match = institutions.normalize(text) if institutions and text else None
    if match is None or match.code in ("unknown", "not_asked"):
        suggestions = list(dict.fromkeys(existing.values()))[:50]
        if institutions is not None:
            labels = [institutions.label(c) for c in institutions.suggestions(text)]
            suggestions = labels + suggestions[:2]
        raise UnknownInstitution(
            f"institución desconocida «{text}»", f"unknown institution «{text}»", suggestions[:4]
        )
    return match.code


def ensure_institution(code: str) -> Institution:
    """The institution with this code, created from the ``institution`` vocabulary if needed.

    Raises :class:`UnknownInstitution` (Spanish / English, with suggestions) otherwise.
    """
    found = institution_code(code, _existing_codes())
    institution = Institution.objects.filter(code=found).first()
    if institution is None:
        term = vocab.get("institution").get(found)
        assert term is not None  # institution_code returns only vocabulary codes or raises
        # Two import processes may create it at once: the second one waits, then finds it.
        Institution.objects.bulk_create(
            [Institution(code=term.code, name=term.label_es, kind=term.parent)],
            ignore_conflicts=True,
        )
        institution = Institution.objects.get(code=term.code)
    return institution


def keep_raw(path: Path) -> tuple[str, Path]:
    """Keeps the file, encrypted, as ``VAR_DIR/raw/<sha[:2]>/<sha><suffix>.sealed`` once;
    (sha256 of the plain file, kept copy)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    sha = digest.hexdigest()
    name = f"{sha}{path.suffix.lower()}{sealed.SUFFIX}"
    target = Path(settings.VAR_DIR) / "raw" / sha[:2] / name
    if not target.exists():
        sealed.seal(path, target)
    return sha, target


class _Institutions:
    """Institution cells → codes, without the database (so in worker processes too): the
    institutions that existed when the import started, and the vocabulary's."""

    def __init__(self):
        self.existing = _existing_codes()
        self._codes: dict[str, str | CellError] = {}

    def __call__(self, raw: str) -> str:
        result = self._codes.get(raw)
        if result is None:
            try:
                result = institution_code(raw, self.existing)
            except UnknownInstitution as error:
                result = error
            self._codes[raw] = result
        if isinstance(result, CellError):
            raise result
        return result


class _Rejects:
    """Rejected rows: in the report, and in a CSV with the original columns (formula-looking
    cells neutralised); the writer stores them as RejectedRow (see :func:`store_chunk`)."""

    def __init__(self, headers: list[str], path: Path | None, report: ImportReport):
        self.headers = headers
        self.path = path
        self.report = report
        self._file: TextIO | None = None
        self._writer: SafeCsvWriter | None = None

    def add(self, number: int, cells: list[str], problems: list[Problem]) -> None:
        self.report.rejected += 1
        if len(self.report.errors) < REPORT_LIMIT:
            self.report.errors.append({"row": number, "errors": [p.as_dict() for p in problems]})
        if self.path is not None:
            writer = self._writer
            if writer is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
                writer = self._writer = SafeCsvWriter(self._file)
                writer.writerow([*self.headers, "_fila", "_errores"])
            padded = (list(cells) + [""] * len(self.headers))[: len(self.headers)]
            writer.writerow([*padded, number, " | ".join(p.message for p in problems)])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


@dataclass
class _Source:
    headers: list[str]  # as written in the file
    schema_headers: list[str]  # what the normaliser reads (adapted for XLSForm / CTDC)
    fmt: str
    rows: Callable[[], NumberedRows]  # the rows, each time it is called
    convert: Callable[[list[str]], list[str]] | None = None  # cells → schema cells


def _adapt(headers: list[str], fmt: str | None, container: str):
    """(format, schema headers, cell converter)."""
    if fmt == "ctdc" or (fmt is None and ctdc.looks_like(headers)):
        layout = ctdc.Adapter(headers)
        return "ctdc", layout.headers, layout.convert
    if fmt == "xlsform" or (fmt is None and xlsform.looks_like(headers)):
        form = xlsform.Adapter(headers)
        return "xlsform", form.headers, form.convert
    return container if fmt in (None, "csv", "xlsx") else fmt, headers, None


def _names_institution(headers: list[str]) -> bool:
    """Whether one of these headers is the institution column (a CTDC file never has one)."""
    return any(
        getattr(column_for(h.rsplit("/", 1)[-1]), "name", "") == "institution" for h in headers
    )


def _header_score(cells: list[str]) -> int:
    """How many cells of a row are headers the importer knows (to skip title rows)."""
    known = sum(1 for c in cells if c and column_for(c.rsplit("/", 1)[-1]) is not None)
    return max(known, 3 if ctdc.looks_like(cells) else 0)


def _file_source(path: Path, fmt: str | None, report: ImportReport) -> _Source:
    table = open_table(path, fmt, _header_score)
    report.encoding, report.delimiter = table.encoding, table.delimiter
    report.warnings.extend(table.notes)
    kind, schema_headers, convert = _adapt(table.headers, fmt, table.container)
    first = [table.rows]

    def rows() -> NumberedRows:
        numbered = first.pop() if first else open_table(path, fmt, _header_score).rows
        for number, cells in numbered:
            if "".join(cells).strip():  # not a blank row
                yield number, cells

    return _Source(table.headers, schema_headers, kind, rows, convert)


def _plan(rows: NumberedRows, rules: grouping.Rules, size: int, repeats: dict[int, int] | None):
    """The first pass: the chunk of each row (in file order), the rows of each chunk, the
    institutions whose batches keep the file's rows (in the order they appear) and in
    ``repeats`` the rows identical to an earlier one (row → that row). A case's rows all go
    to the chunk of its first row, so that it is grouped and written once, whole."""
    chunk_of: dict[int, int] = {}  # hashed case key → chunk: small, even for 1M rows
    seen: dict[int, int] = {}
    owners: dict[str | None, None] = {}
    assignment, sizes = array("I"), []
    filled = size
    for number, cells in rows:
        adapted = rules.adapted(cells)
        owners[grouping.owner(rules, adapted)] = None
        if repeats is not None:
            first = seen.setdefault(row_key(adapted), number)
            if first != number:
                repeats[number] = first
        key = grouping.case_key(rules, number, adapted)
        chunk = chunk_of.get(hash(key)) if key[0] != "#" else None
        if chunk is None:
            if filled >= size:
                sizes.append(0)
                filled = 0
            chunk = len(sizes) - 1
            filled += 1
            if key[0] != "#":
                chunk_of[hash(key)] = chunk
        assignment.append(chunk)
        sizes[chunk] += 1
    return assignment, sizes, list(owners)


def _chunks(rows: NumberedRows, assignment: array, sizes: list[int], repeats: dict[int, int]):
    """The second pass: chunks of :data:`grouping.Row` as soon as each is complete."""
    buffers: dict[int, list] = defaultdict(list)
    left = list(sizes)
    for position, (number, cells) in enumerate(rows):
        if position >= len(assignment):
            raise UnreadableFile(
                "El archivo cambió durante la importación / the file changed during the import"
            )
        chunk = assignment[position]
        buffers[chunk].append((number, cells, repeats.get(number, 0)))
        left[chunk] -= 1
        if not left[chunk]:
            yield buffers.pop(chunk)
    yield from (buffers[c] for c in sorted(buffers))


def _database_error(number: int, error: Exception) -> Problem:
    text = str(error).splitlines()[0][:200] if str(error) else error.__class__.__name__
    return Problem(
        number,
        "*",
        "",
        f"la base de datos no guardó el bloque de filas de este caso ({text}); nada de él quedó "
        "a medias: vuelva a importar estas filas",
        f"the database did not store the chunk with this case ({text}); nothing of it was "
        "half-written: import these rows again",
    )


def store_chunk(
    rows: list[grouping.Row], rules: grouping.Rules, target: writing.Target, headers: list[str]
) -> tuple[grouping.Grouped, writing.Counts]:
    """Normalises, groups and writes one chunk, in its own transaction (in this process or
    in a worker); returns what the report needs: the chunk's rejected rows, fuzzy matches
    and counts (its cases stay here)."""
    grouped = grouping.group(rows, rules)
    try:
        counts = writing.write(grouped.cases, _refused(grouped.rejected, headers), target)
    except DatabaseError as error:
        # The chunk's transaction was rolled back: its rows go to the rejects, with the
        # database's reason, so that nothing is silently lost.
        cells = {number: row_cells for number, row_cells, _repeats in rows}
        grouped.rejected += [
            (n, cells[n], [_database_error(n, error)], bundle.institution)
            for bundle in grouped.cases
            for n in bundle.rows
        ]
        counts = writing.write([], _refused(grouped.rejected, headers), target)
    grouped.cases = []
    return grouped, counts


def _refused(rejected: list[grouping.Rejected], headers: list[str]) -> list[tuple]:
    """Rejected rows as the writer stores them: (institution whose batch keeps it, row
    number, cells by header, errors)."""
    refused = []
    for number, cells, problems, owner in rejected:
        raw: dict[str, object] = {
            h or f"col{i + 1}": (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)
        }
        if len(cells) > len(headers):
            raw["_extra"] = cells[len(headers) :]
        refused.append((owner, number, raw, [p.as_dict() for p in problems]))
    return refused


def _institution_id(code: str) -> int:
    return ensure_institution(code).id


def _run(
    source: _Source,
    report: ImportReport,
    *,
    institution: Institution | None,
    user,
    batch_fields: dict[str, str],
    rejects_path: Path | None,
    workers: int | None,
    chunk_rows: int | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    institutions = _Institutions()
    default = institution.code if institution is not None else None
    confined = permissions.institution_id(user) is not None
    normaliser = RowNormaliser(
        source.schema_headers,
        resolve_institution=institutions,
        default_institution=default,
        only_institution=default if confined else None,
        today=date.today(),
    )
    report.format = source.fmt
    report.warnings.extend(normaliser.warnings)
    if normaliser.unknown:  # as written in the file (adapters keep unknown headers)
        names = ", ".join(normaliser.unknown)
        report.warnings.append(
            f"Columnas desconocidas, no importadas (quedan en el archivo original): {names} / "
            f"unknown columns, not imported (kept in the raw file): {names}"
        )
    if not normaliser.known:
        report.fatal = (
            "Ninguna columna del encabezado es conocida: ¿es un archivo de casos? / "
            "no header column is known: is this a case file?"
        )
        return
    rules = grouping.Rules(normaliser, default, source.convert)
    if source.fmt == "ctdc":
        rules.derive, rules.prefix = "position", "ctdc"
    elif not normaliser.has_reference:
        rules.derive = "content"
        report.warnings.append(
            "No hay columna de referencia del caso: cada fila es un caso y su referencia se "
            "deriva del contenido / no case reference column: each row is a case, its "
            "reference derived from its content"
        )
    # CTDC rows are records of their own: identical ones are different victims.
    repeats: dict[int, int] | None = None if source.fmt == "ctdc" else {}
    assignment, sizes, owners = _plan(source.rows(), rules, chunk_rows or CHUNK_ROWS, repeats)
    total = len(assignment)
    if chunk_rows is None and total >= PARALLEL_MIN_ROWS:
        # Consecutive chunks joined: each case still lies in one.
        joined = LARGE_CHUNK_ROWS // CHUNK_ROWS
        assignment = array("I", [chunk // joined for chunk in assignment])
        sizes = [sum(sizes[at : at + joined]) for at in range(0, len(sizes), joined)]
    if workers is None:
        workers = WORKERS if total >= PARALLEL_MIN_ROWS else 1
    if connection.in_atomic_block or (
        connection.vendor == "sqlite"
        and DatabaseCreation.is_in_memory_db(connection.settings_dict["NAME"])
    ):
        workers = 1  # other processes would not see the caller's uncommitted rows
    report.workers = workers if workers > 1 else 0
    # The batch of each institution (None: rows whose institution is unknown, which no
    # institution's users see), before any chunk: every process writes into them.
    created_by = user if getattr(user, "pk", None) else None
    batches = {
        code: ImportBatch.objects.create(
            institution_id=_institution_id(code) if code else None,
            format=source.fmt,
            created_by=created_by,
            **batch_fields,
        )
        for code in owners
    }
    report.batch_ids = [batch.id for batch in batches.values()]
    report.batch_id = report.batch_ids[0] if batches else None
    target = writing.Target(batches, getattr(user, "pk", None), _institution_id)
    rejects = _Rejects(source.headers, rejects_path, report)
    chunks = _chunks(source.rows(), assignment, sizes, repeats or {})
    analyse_at = writing.ANALYZE_FIRST
    try:
        for grouped, counts in parallel.mapped(
            store_chunk, chunks, (rules, target, source.headers), workers
        ):
            report.rows_read += grouped.rows_read
            report.fuzzy_count += len(grouped.fuzzy)
            room = REPORT_LIMIT - len(report.fuzzy_matches)
            report.fuzzy_matches.extend(f.as_dict() for f in grouped.fuzzy[: max(room, 0)])
            for number, cells, problems, _owner in grouped.rejected:
                rejects.add(number, cells, problems)
            report.stored += counts.stored
            report.updated += counts.updated
            report.unchanged += counts.unchanged
            if report.stored >= analyse_at:
                analyse_at = 2 * report.stored
                writing.analyse_cases()
            if progress is not None:
                progress(report.rows_read, total)
    except parallel.WorkerFailed as error:
        # What was written is committed: the batches and their audit events say so.
        report.fatal = (
            f"La importación se interrumpió: {error}. Se guardaron {report.stored} casos antes; "
            "vuelva a importar el archivo (los casos guardados se reconocen) / the import "
            f"stopped: {error}. {report.stored} cases were stored before; import the file "
            "again (stored cases are recognised)"
        )
    finally:
        rejects.close()
    writing.finish(report.stored)
    if report.rows_read == 0:
        report.warnings.append(
            "El archivo solo tiene el encabezado: no hay filas / the file has only the "
            "header: no rows"
        )
    if report.rejected and rejects_path is not None:
        report.rejects_path = str(rejects_path)
    # Each batch's counts came with its chunks; its report says how the file was read,
    # never what other institutions' rows held (rejected rows stay encrypted).
    about_file = {k: v for k, v in report.as_dict().items() if k in BATCH_REPORT_KEYS}
    for batch in batches.values():
        batch.report = {**about_file, "finished": True}
        batch.save(update_fields=["report"])


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
    are rejected. ``workers``: processes that normalise rows (default: 2 for files of at
    least ``PARALLEL_MIN_ROWS`` rows, else none besides this one); ``chunk_rows``: rows
    written per transaction (default: ``CHUNK_ROWS``, or ``LARGE_CHUNK_ROWS`` in files of
    at least ``PARALLEL_MIN_ROWS`` rows); ``progress(done, total)`` is called after each chunk."""
    path = Path(path)
    report = ImportReport()
    if fmt is not None and fmt not in FORMATS:
        report.fatal = f"formato desconocido «{fmt}» / unknown format «{fmt}»"
        return report
    default, report.fatal = _default_institution(institution, user)
    if report.fatal:
        return report
    try:
        report.sha256, raw_copy = keep_raw(path)
        report.raw_path = str(raw_copy)
        source = _file_source(path, fmt, report)
    except UnreadableFile as error:
        report.fatal = str(error)
        return report
    except OSError as error:
        report.fatal = f"No se pudo leer el archivo: {error} / could not read the file: {error}"
        return report
    if default is None and not _names_institution(source.schema_headers):
        report.format = source.fmt
        report.fatal = (
            "El archivo no tiene columna de institución: indique a qué institución pertenecen "
            "sus casos con --institution CÓDIGO; no se importó nada / the file has no "
            "institution column: say which institution its cases belong to with "
            "--institution CODE; nothing was imported"
        )
        return report
    rejects = (
        Path(rejects_path) if rejects_path else raw_copy.with_name(f"{report.sha256}.rechazos.csv")
    )
    batch_fields = {
        "original_name": path.name[:255],
        "sha256": report.sha256,
        "stored_path": str(raw_copy),
    }
    try:
        _run(
            source,
            report,
            institution=default,
            user=user,
            batch_fields=batch_fields,
            rejects_path=rejects,
            workers=workers,
            chunk_rows=chunk_rows,
            progress=progress,
        )
    except UnreadableFile as error:
        report.fatal = str(error)
    finally:
        if not rejects_path and rejects.exists():
            # The quarantine kept beside the raw file is encrypted at rest like it, also
            # when ``progress`` stopped the import.
            kept = sealed.seal_in_place(rejects)
            report.rejects_path = str(kept) if report.rejects_path else ""
    return report


def store_rows(
    rows: Iterable[dict[str, str]],
    *,
    institution: str,
    user=None,
    name: str = "rows",
    fmt: str = "rows",
    rejects_path=None,
) -> ImportReport:
    """Stores rows already parsed (schema column names or any accepted header → text);
    confined to the ``user``'s institution as :func:`import_file` is."""
    report = ImportReport()
    default, report.fatal = _default_institution(institution, user)
    if report.fatal:
        return report
    rows = list(rows)  # read twice, as a file is (see _plan)
    if not rows:
        report.format = fmt
        report.warnings.append("No hay filas / no rows")
        return report
    headers = list(rows[0].keys())

    def numbered() -> NumberedRows:
        for number, row in enumerate(rows, start=2):
            yield number, [cell_text(row.get(h)) for h in headers]

    _run(
        _Source(headers, headers, fmt, numbered),
        report,
        institution=default,
        user=user,
        batch_fields={"original_name": name[:255], "sha256": "", "stored_path": ""},
        rejects_path=Path(rejects_path) if rejects_path else None,
        workers=1,
        chunk_rows=CHUNK_ROWS,
        progress=None,
    )
    return report


def _default_institution(code: str | None, user) -> tuple[Institution | None, str]:
    """(the institution rows without one go to, why the import cannot start): a user's
    own institution, which no other code may replace; else ``code``'s, if known."""
    own = permissions.institution_id(user)
    try:
        default = ensure_institution(code) if code else None
    except UnknownInstitution as error:
        hint = ", ".join(error.suggestions)
        return None, f"{error} ({hint})" if hint else str(error)
    if own is None:
        return default, ""
    if default is not None and default.id != own:
        return None, (
            f"solo puede importar casos de su institución, no de «{code}» / you may only "
            f"import your own institution's cases, not «{code}»"
        )
    return Institution.objects.get(pk=own), ""
