"""Importing cases from institutions' files: CSV, XLSX, XLSForm (Kobo/ODK) and CTDC.

``import_file`` keeps the raw file (content-addressed under ``VAR_DIR/raw``), reads it
row by row, normalises every value through the vocabularies, stores good rows in chunks
(one transaction each) and quarantines bad ones with their reasons (``RejectedRow`` and a
rejects CSV that can be fixed and imported again). Institution + case reference identify
a case: importing the same file twice stores nothing new. A case whose rows changed is
updated (its children replaced from the file); an unchanged case is counted as
``unchanged``, not as updated.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from nanduti.registry import ctdc, sealed, xlsform
from nanduti.registry.io import parallel
from nanduti.registry.io.bundles import CaseBundle, add_row, row_text
from nanduti.registry.io.normalise import (
    Problem,
    RowNormaliser,
    row_key,
)
from nanduti.registry.io.reading import FORMATS, UnreadableFile, open_table, records_at
from nanduti.registry.io.storing import ChunkResult, Writer, merged_ranges
from nanduti.registry.io.values import CellError, unneutralise
from nanduti.registry.models import AuditEvent, ImportBatch, Institution, RejectedRow
from nanduti.registry.schema import column_for
from nanduti.taxonomy import vocab

CHUNK_ROWS = 5000
# Files with more rows are normalised in worker processes (see io/parallel.py); smaller ones
# would spend longer starting them than they save.
PARALLEL_MIN_ROWS = 50_000
WORKERS = 2
REPORT_LIMIT = 1000  # rows of detail kept in the JSON report; all are in the rejects file


class UnknownInstitution(CellError):
    pass


@dataclass
class ImportReport:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows_read: int = 0
    batch_id: int | None = None
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
    workers: int = 0  # processes besides the main one that read (and maybe stored) rows
    workers_stored: bool = False  # whether they stored their rows themselves

    @property
    def readable(self) -> bool:
        return not self.fatal

    def summary(self) -> str:
        return f"stored {self.stored}, updated {self.updated}, rejected {self.rejected}"

    def as_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


def ensure_institution(code: str) -> Institution:
    """The institution with this code, created from the ``institution`` vocabulary if needed.

    Raises :class:`UnknownInstitution` (Spanish / English, with suggestions) otherwise.
    """
    text = (code or "").strip()
    found = Institution.objects.filter(code=text).first()
    found = found or Institution.objects.filter(code__iexact=text).first()
    if found:
        return found
    try:
        institutions = vocab.get("institution")
    except (KeyError, FileNotFoundError):
        institutions = None
    match = institutions.normalize(text) if institutions and text else None
    if match is None or match.code in ("unknown", "not_asked"):
        suggestions = list(Institution.objects.values_list("code", flat=True)[:50])
        if institutions is not None:
            labels = [institutions.label(c) for c in institutions.suggestions(text)]
            suggestions = labels + suggestions[:2]
        raise UnknownInstitution(
            f"institución desconocida «{text}»", f"unknown institution «{text}»", suggestions[:4]
        )
    term = institutions.get(match.code)
    found = Institution.objects.filter(code=term.code).first()
    if found:
        return found
    return Institution.objects.create(code=term.code, name=term.label_es, kind=term.parent)


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
    """Resolves institution codes once per import (code or alias → Institution.code)."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self._codes: dict[str, str | CellError] = {}

    def __call__(self, raw: str) -> str:
        result = self._codes.get(raw)
        if result is None:
            try:
                institution = ensure_institution(raw)
                self.ids[institution.code] = institution.id
                result = institution.code
            except UnknownInstitution as error:
                result = error
            self._codes[raw] = result
        if isinstance(result, CellError):
            raise result
        return result

    def resolved(self) -> dict[str, str | CellError]:
        """Raw value → code (or its error) for every value resolved so far."""
        return dict(self._codes)


class _Rejects:
    """Rejected rows: the RejectedRow table and a CSV with the original columns."""

    def __init__(self, headers: list[str], path: Path | None):
        self.headers = headers
        self.path = path
        self.pending: list[RejectedRow] = []
        self._file = None
        self._writer = None

    def add(self, batch_id: int | None, number: int, cells: list[str], problems: list[Problem]):
        raw = {
            h or f"col{i + 1}": (cells[i] if i < len(cells) else "")
            for i, h in enumerate(self.headers)
        }
        if len(cells) > len(self.headers):
            raw["_extra"] = cells[len(self.headers) :]
        errors = [p.as_dict() for p in problems]
        self.pending.append(
            RejectedRow(batch_id=batch_id, row_number=number, raw=raw, errors=errors)
        )
        if self.path is not None:
            if self._writer is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
                self._writer = csv.writer(self._file)
                self._writer.writerow([*self.headers, "_fila", "_errores"])
            padded = (list(cells) + [""] * len(self.headers))[: len(self.headers)]
            self._writer.writerow([*padded, number, " | ".join(p.message for p in problems)])

    def flush(self, batch_id: int | None) -> None:
        if batch_id is not None and self.pending:
            for row in self.pending:
                row.batch_id = batch_id
            RejectedRow.objects.bulk_create(self.pending, batch_size=500)
        if batch_id is not None:
            self.pending = []

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


@dataclass
class _Source:
    """What the storing loop needs from a file (or from rows already in memory)."""

    headers: list[str]  # as written in the file
    schema_headers: list[str]  # what the normaliser reads (adapted for XLSForm / CTDC)
    rows: Iterator[tuple[int, list[str], list[str]]]  # number, original cells, adapted cells
    fmt: str
    reopen: Callable[[], Iterator[tuple[int, list[str], list[str]]]] | None = None
    # (byte offset, row number) → (number, cells, adapted, byte offset) of the rows from
    # there: CSV files that can be read from an offset (see reading.records_at)
    positioned: Callable[..., Iterator[tuple[int, list[str], list[str], int]]] | None = None
    derive_reference: str = ""  # "content" or "position" when the file has no reference


def _adapt(headers: list[str], fmt: str | None, container: str):
    """(format, schema headers, cell converter)."""
    if fmt == "ctdc" or (fmt is None and ctdc.looks_like(headers)):
        adapter = ctdc.Adapter(headers)
        return "ctdc", adapter.headers, adapter.convert
    if fmt == "xlsform" or (fmt is None and xlsform.looks_like(headers)):
        adapter = xlsform.Adapter(headers)
        return "xlsform", adapter.headers, adapter.convert
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

    def rows(iterator) -> Iterator[tuple[int, list[str], list[str]]]:
        for number, cells in iterator:
            if not "".join(cells).strip():  # a blank row
                continue
            yield number, cells, (convert(cells) if convert else cells)

    def reopen():
        return rows(open_table(path, fmt, _header_score).rows)

    def positioned(offset: int = 0, number: int = 1):
        for at_number, cells, at in records_at(path, table, offset, number):
            if at_number > table.header_number and "".join(cells).strip():
                yield at_number, cells, (convert(cells) if convert else cells), at

    return _Source(
        table.headers,
        schema_headers,
        rows(table.rows),
        kind,
        reopen,
        positioned=positioned if table.seekable else None,
    )


def _case_key(normaliser: RowNormaliser, cells: list[str], default: str | None) -> int:
    """The (institution, reference) of a row, as the normaliser will read it, hashed."""
    reference = normaliser.by_name.get("case_reference")
    institution = normaliser.by_name.get("institution")

    def cell(header) -> str:
        if header is None or header.position >= len(cells):
            return ""
        return unneutralise(cells[header.position].strip())

    code = cell(institution)
    if code:
        with suppress(CellError):
            code = normaliser.resolve_institution(code)
    return hash((code or (default or ""), cell(reference)))


def _count_cases(
    rows,
    normaliser: RowNormaliser,
    default: str | None,
    counts: dict,
    starts: list | None = None,
    offsets: list | None = None,
) -> bool:
    """Rows per case (hashed as :func:`_case_key` does), for the first pass over a file:
    the same reading as ``_case_key``, with the institution resolved once per raw value.

    Also appends to ``starts`` the position of the first row of each chunk of about
    ``parallel.CHUNK_ROWS`` rows, cut between cases, and, when ``rows`` give byte offsets
    (a fourth item), to ``offsets`` where each chunk starts (offset, row number); True if
    the rows of every case are consecutive (only then do such chunks hold whole cases)."""
    together = True
    previous = None
    chunk_start = 0
    size = parallel.CHUNK_ROWS
    if starts is not None:
        starts.append(0)
    reference = normaliser.by_name.get("case_reference")
    institution = normaliser.by_name.get("institution")
    ref_at = reference.position if reference else None
    inst_at = institution.position if institution else None
    codes: dict[str, str] = {}
    get = counts.get
    for position, item in enumerate(rows):
        cells = item[2]
        if position == 0 and offsets is not None:
            offsets.append((item[3], item[0]))
        ref = ""
        if ref_at is not None and ref_at < len(cells):
            ref = unneutralise(cells[ref_at].strip())
        code = ""
        if inst_at is not None and inst_at < len(cells):
            raw = cells[inst_at]
            code = codes.get(raw)
            if code is None:
                code = unneutralise(raw.strip())
                if code:
                    with suppress(CellError):
                        code = normaliser.resolve_institution(code)
                codes[raw] = code
        key = hash((code or (default or ""), ref))
        if key != previous:
            previous = key
            if key in counts:
                together = False
            elif position - chunk_start >= size and starts is not None:
                starts.append(position)
                chunk_start = position
                if offsets is not None:
                    offsets.append((item[3], item[0]))
        counts[key] = get(key, 0) + 1
    return together


def _run(
    source: _Source,
    report: ImportReport,
    *,
    institution: Institution | None,
    user,
    batch_factory: Callable[[str], ImportBatch],
    rejects_path: Path | None,
    workers: int | None = None,
) -> None:
    institutions = _Institutions()
    default_code = None
    if institution is not None:
        institutions.ids[institution.code] = institution.id
        default_code = institution.code
    normaliser = RowNormaliser(
        source.schema_headers,
        resolve_institution=institutions,
        default_institution=default_code,
        today=date.today(),
    )
    report.format = source.fmt
    report.warnings.extend(normaliser.warnings)
    unknown = normaliser.unknown  # as written in the file (adapters keep unknown headers)
    if unknown:
        report.warnings.append(
            "Columnas desconocidas, no importadas (quedan en el archivo original): "
            f"{', '.join(unknown)} / unknown columns, not imported (kept in the raw file): "
            f"{', '.join(unknown)}"
        )
    if not normaliser.known:
        report.fatal = (
            "Ninguna columna del encabezado es conocida: ¿es un archivo de casos? / "
            "no header column is known: is this a case file?"
        )
        return
    derive = ""
    if source.fmt == "ctdc":
        derive = "position"
    elif not normaliser.has_reference:
        derive = "content"
        report.warnings.append(
            "No hay columna de referencia del caso: cada fila es un caso y su referencia se "
            "deriva del contenido / no case reference column: each row is a case, its "
            "reference derived from its content"
        )
    # Rows of one case may be far apart: count them first so a case is written once, whole.
    expected: dict[int, int] = {}
    starts: list[int] = []
    together = False
    offsets: list[tuple[int, int]] | None = None
    if not derive and source.positioned is not None:
        offsets = []
        together = _count_cases(
            source.positioned(), normaliser, default_code, expected, starts, offsets
        )
    elif not derive and source.reopen is not None:
        together = _count_cases(source.reopen(), normaliser, default_code, expected, starts)
    rejects = _Rejects(source.headers, rejects_path)
    writer: Writer | None = None
    batch: ImportBatch | None = None
    seen_rows: dict[int, int] = {}
    pending: dict[tuple[str, str], CaseBundle] = {}
    row_counts: dict[tuple[str, str], int] = {}
    written: set[int] = set()  # hashed keys of cases already written: small, even for 1M
    originals: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
    # A case with a rejected row is rejected whole: storing the rest and re-importing the
    # fixed row alone later would replace the case with that one row.
    broken_cases: dict[int, int] = {}
    rows_in_chunk = 0

    def reject(number: int, cells: list[str], problems: list[Problem], adapted=None) -> None:
        if adapted is not None and not derive:
            broken_cases.setdefault(_case_key(normaliser, adapted, default_code), number)
        report.rejected += 1
        if len(report.errors) < REPORT_LIMIT:
            report.errors.append({"row": number, "errors": [p.as_dict() for p in problems]})
        rejects.add(batch.id if batch else None, number, cells, problems)

    def ensure_batch(code: str) -> None:
        nonlocal batch, writer
        if batch is None:
            batch = batch_factory(code)
            report.batch_id = batch.id
            writer = Writer(
                batch_id=batch.id,
                actor_id=getattr(user, "pk", None),
                institution_ids=institutions.ids,
            )

    def flush(final: bool = False) -> None:
        nonlocal rows_in_chunk
        ready: list[CaseBundle] = []
        ready_rows: list[tuple[int, list[str]]] = []
        for key, bundle in list(pending.items()):
            hashed = hash(key)
            if final or row_counts[key] >= expected.get(hashed, 0):
                del pending[key]
                written.add(hashed)
                rows = originals.pop(key)
                if hashed in broken_cases:
                    first = broken_cases[hashed]
                    for number, cells in rows:
                        reject(number, cells, [_sibling_rejected(number, key[1], first)])
                else:
                    ready.append(bundle)
                    ready_rows.extend(rows)
        if ready:
            ensure_batch(ready[0].institution)
        elif batch is None and rejects.pending:
            code = default_code or next(iter(institutions.ids), None)
            if code:
                ensure_batch(code)
        if ready:
            try:
                with writer.tuned():
                    result = writer.write(ready)
            except DatabaseError as error:
                # The chunk's transaction was rolled back: its rows go to the rejects, with
                # the database's reason, so that nothing is silently lost.
                for number, cells in ready_rows:
                    reject(number, cells, [_database_error(number, error)])
            else:
                report.stored += result.stored
                report.updated += result.updated
                report.unchanged += result.unchanged
        rejects.flush(batch.id if batch else None)
        rows_in_chunk = 0

    def consume(number, cells, adapted, fingerprint, result) -> None:
        nonlocal rows_in_chunk
        report.rows_read += 1
        if source.fmt != "ctdc":
            first = seen_rows.setdefault(fingerprint, number)
            if first != number:
                reject(
                    number,
                    cells,
                    [
                        Problem(
                            number,
                            "*",
                            "",
                            f"fila duplicada: idéntica a la fila {first}",
                            f"duplicate row: identical to row {first}",
                        )
                    ],
                )
                return
        if result is None:
            row, problems, fuzzy = normaliser.normalise(number, adapted)
            text = row_text(row) if row is not None else ""
        else:
            row, problems, fuzzy, text = result
        report.fuzzy_count += len(fuzzy)
        room = REPORT_LIMIT - len(report.fuzzy_matches)
        if room > 0:
            report.fuzzy_matches.extend(f.as_dict() for f in fuzzy[:room])
        if row is None:
            reject(number, cells, problems, adapted)
            return
        if derive or not row.get("case_reference"):
            basis = "\x1f".join(c.strip() for c in adapted)
            if derive == "position" or source.fmt == "ctdc":
                basis += f"\x1f{number}"
            prefix = "ctdc" if source.fmt == "ctdc" else "auto"
            reference = row.get("case_reference") or (
                f"{prefix}-{hashlib.sha1(basis.encode()).hexdigest()[:16]}"
            )
            row["case_reference"] = reference
        key = (row["institution"], row["case_reference"])
        if hash(key) in written:
            reject(number, cells, [_split_case(number, key[1])])
            return
        bundle = pending.get(key)
        if bundle is None:
            bundle = pending[key] = CaseBundle(*key, fields={"source": "import"})
            row_counts[key] = 0
            originals[key] = []
        problem = add_row(bundle, number, row)
        if problem is not None:
            reject(number, cells, [problem], adapted)
        else:
            originals[key].append((number, cells))
            bundle.texts.append(text)
        row_counts[key] += 1
        rows_in_chunk += 1
        if rows_in_chunk >= CHUNK_ROWS:
            flush()

    def account(rows_read: int, rejected: list, fuzzy: list) -> None:
        report.rows_read += rows_read
        report.fuzzy_count += len(fuzzy)
        room = REPORT_LIMIT - len(report.fuzzy_matches)
        if room > 0:
            report.fuzzy_matches.extend(f.as_dict() for f in fuzzy[:room])
        for number, cells, problems in rejected:
            reject(number, cells, problems)

    def add_result(result: ChunkResult) -> None:
        report.stored += result.stored
        report.updated += result.updated
        report.unchanged += result.unchanged

    def take(packed) -> None:
        """A chunk grouped and packed by a worker (see ``pack_chunk``)."""
        _kind, rows_read, rejected, fuzzy, packs = packed
        account(rows_read, rejected, fuzzy)
        if packs:
            ensure_batch(packs[0][0])
            try:
                with writer.tuned():
                    result = writer.write_packed(packs)
            except DatabaseError as error:
                numbers = {n for pack in packs for n in pack[-1]}
                for number, cells in _cells_of(source, numbers):
                    reject(number, cells, [_database_error(number, error)])
            else:
                add_result(result)
        elif batch is None and rejects.pending:
            code = default_code or next(iter(institutions.ids), None)
            if code:
                ensure_batch(code)
        rejects.flush(batch.id if batch else None)

    def take_written(written) -> None:
        """A chunk a worker packed and stored itself (see ``write_chunk``)."""
        _kind, rows_read, rejected, fuzzy, result, created, updated, failed, error = written
        account(rows_read, rejected, fuzzy)
        add_result(result)
        writer.created.extend(created)
        writer.updated.extend(updated)
        if failed:
            refused = DatabaseError(error)
            for number, cells in _cells_of(source, set(failed)):
                reject(number, cells, [_database_error(number, refused)])
        rejects.flush(batch.id)

    def pack_chunk(rows: list) -> tuple:
        """In a worker: normalises, groups and packs a chunk of whole cases; or gives the rows
        back for this process to import one by one when one of them needs the database."""
        try:
            return _pack_chunk(rows, normaliser, packer, default_code)
        except parallel.NeedsMain:
            return ("rows", [(n, c, a, row_key(a), None) for n, c, a in rows])

    def write_chunk(rows: list) -> tuple:
        """In a worker with a connection of its own: packs a chunk and stores it, in one
        transaction; what the main process needs back is counts, id ranges and rejects."""
        packed = pack_chunk(rows)
        if packed[0] == "rows":
            return packed
        _kind, rows_read, rejected, fuzzy, packs = packed
        result, failed, error = ChunkResult(), [], ""
        if packs:
            try:
                with packer.tuned():
                    result = packer.write_packed(packs)
            except DatabaseError as exc:
                failed = [n for pack in packs for n in pack[-1]]
                error = str(exc)
        created, updated = packer.created, packer.updated
        packer.created, packer.updated = [], []
        return ("written", rows_read, rejected, fuzzy, result, created, updated, failed, error)

    if workers is None:
        big = sum(expected.values()) >= PARALLEL_MIN_ROWS
        workers = WORKERS if big else 1
    try:
        packer = None
        if workers > 1 and not derive and together and len(starts) > 1:
            # Workers normalise, group and build table rows; where they can, they store them too.
            first_code = default_code or next(iter(institutions.ids), None)
            writing = first_code is not None and parallel.can_write_in_workers()
            report.workers, report.workers_stored = workers, writing
            if writing:
                ensure_batch(first_code)  # committed before the workers start: they point to it
            packer = Writer(
                batch_id=batch.id if writing else None,
                actor_id=getattr(user, "pk", None),
                institution_ids=institutions.ids,
            )
            if offsets:
                chunks = parallel.seeked_chunks(source.positioned, starts, offsets)
            else:
                chunks = parallel.scanned_chunks(source.reopen, starts)
            stream = parallel.packed_in_workers(
                normaliser,
                chunks,
                len(starts),
                write_chunk if writing else pack_chunk,
                workers,
                setup=parallel.own_connections if writing else None,
            )
            try:
                for packed in stream:
                    if packed[0] == "rows":
                        for item in packed[1]:
                            consume(*item)
                        flush(final=True)
                    elif packed[0] == "written":
                        take_written(packed)
                    else:
                        take(packed)
                flush(final=True)
            finally:
                stream.close()
                rejects.close()
        else:
            if workers > 1 and not derive and expected:
                report.workers = workers
                stream = parallel.in_workers(source.rows, normaliser, source.reopen, workers)
            else:
                stream = parallel.serial(source.rows, fingerprints=source.fmt != "ctdc")
            try:
                for item in stream:
                    consume(*item)
                flush(final=True)
            finally:
                stream.close()
                rejects.close()
    except parallel.WorkerFailed as error:
        # What the workers stored is committed: the batch and its audit event say so.
        report.fatal = (
            f"La importación se interrumpió: {error}. Se guardaron {report.stored} casos antes; "
            "vuelva a importar el archivo (los casos guardados se reconocen) / the import "
            f"stopped: {error}. {report.stored} cases were stored before; import the file "
            "again (stored cases are recognised)"
        )
    if report.rows_read == 0:
        report.warnings.append(
            "El archivo solo tiene el encabezado: no hay filas / the file has only the "
            "header: no rows"
        )
    if report.rejected and rejects_path is not None:
        report.rejects_path = str(rejects_path)
    if batch is not None:
        batch.stored, batch.updated, batch.rejected = report.stored, report.updated, report.rejected
        batch.report = {k: v for k, v in report.as_dict().items() if k not in ("errors",)}
        batch.report["errors"] = report.errors[:100]
        batch.save(update_fields=["stored", "updated", "rejected", "report"])
        if writer is not None and (writer.created or writer.updated):
            _audit_batch(batch, writer, report, user)


def _pack_chunk(rows: list, normaliser: RowNormaliser, packer: Writer, default: str | None):
    """In a worker: a chunk of whole cases (see :func:`_count_cases`) normalised, grouped
    and built into table rows, as the main process would (identical rows and the rows of a
    case with a rejected row go to the rejects): ("cases", rows read, [(number, cells,
    problems)], fuzzy matches, [packed case])."""
    seen: dict[int, int] = {}
    rejected: list = []
    fuzzy_matches: list = []
    pending: dict[tuple[str, str], CaseBundle | tuple] = {}
    originals: dict[tuple[str, str], list] = {}
    broken: dict[int, int] = {}
    normalise = normaliser.normalise
    for number, cells, adapted in rows:
        first = seen.setdefault(row_key(adapted), number)
        if first != number:
            rejected.append((number, cells, [_duplicate(number, first)]))
            continue
        row, problems, fuzzy = normalise(number, adapted)
        if fuzzy:
            fuzzy_matches.extend(fuzzy)
        if row is None:
            broken.setdefault(_case_key(normaliser, adapted, default), number)
            rejected.append((number, cells, problems))
            continue
        if not row.get("case_reference"):
            basis = "\x1f".join(c.strip() for c in adapted)
            row["case_reference"] = f"auto-{hashlib.sha1(basis.encode()).hexdigest()[:16]}"
        key = (row["institution"], row["case_reference"])
        entry = pending.get(key)
        if entry is None:
            # Most cases have one row: it stays a row until a second one comes.
            pending[key] = (number, row, row_text(row))
            originals[key] = [(number, cells)]
            continue
        if isinstance(entry, tuple):
            entry = pending[key] = _bundle_of_first_row(key, *entry)
        problem = add_row(entry, number, row)
        if problem is not None:
            broken.setdefault(_case_key(normaliser, adapted, default), number)
            rejected.append((number, cells, [problem]))
        else:
            originals[key].append((number, cells))
            entry.texts.append(row_text(row))
    now = timezone.now()
    packs = []
    for key, entry in pending.items():
        first = broken.get(hash(key))
        if first is None:
            if isinstance(entry, tuple):
                packs.append(packer.pack_row(*key, *entry, now))
            else:
                packs.append(packer.pack(entry, now))
        else:
            for number, cells in originals[key]:
                rejected.append((number, cells, [_sibling_rejected(number, key[1], first)]))
    return ("cases", len(rows), rejected, fuzzy_matches, packs)


def _bundle_of_first_row(key: tuple[str, str], number: int, row: dict, text: str) -> CaseBundle:
    bundle = CaseBundle(*key, fields={"source": "import"})
    add_row(bundle, number, row)  # a case's first row has no other victim to clash with
    bundle.texts.append(text)
    return bundle


def _cells_of(source: _Source, numbers: set[int]) -> list[tuple[int, list[str]]]:
    """The original cells of these rows, read again from the file (only when the database
    refused a chunk packed by a worker, which does not send the cells of good rows)."""
    return [(n, cells) for n, cells, _adapted in source.reopen() if n in numbers]


def _duplicate(number: int, first: int) -> Problem:
    return Problem(
        number,
        "*",
        "",
        f"fila duplicada: idéntica a la fila {first}",
        f"duplicate row: identical to row {first}",
    )


def _audit_batch(batch: ImportBatch, writer: Writer, report: ImportReport, user) -> None:
    """One audit event for the whole import: the case ids it created and updated, as ranges
    (a million per-case events would cost more to write than the cases themselves)."""
    AuditEvent.objects.create(
        actor=user if getattr(user, "pk", None) else None,
        institution_id=batch.institution_id,
        action="import",
        model="case",
        object_id=str(batch.id),
        changes={
            "batch": batch.id,
            "file": batch.original_name,
            "sha256": batch.sha256,
            "created": merged_ranges(writer.created),
            "updated": merged_ranges(writer.updated),
            "counts": {
                "created": report.stored,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
            },
        },
    )


def _sibling_rejected(number: int, reference: str, first: int) -> Problem:
    return Problem(
        number,
        "referencia_caso",
        reference,
        f"otra fila del caso «{reference}» fue rechazada (fila {first}); se rechaza el caso "
        "entero para que al corregirlo no se pierdan filas",
        f"another row of case «{reference}» was rejected (row {first}); the whole case is "
        "rejected so that no row is lost when it is fixed",
    )


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


def _split_case(number: int, reference: str) -> Problem:
    return Problem(
        number,
        "referencia_caso",
        reference,
        f"el caso «{reference}» ya se guardó con filas anteriores de esta importación; "
        "ponga juntas las filas de un caso",
        f"case «{reference}» was already stored from earlier rows of this import; keep the "
        "rows of a case together",
    )


def import_file(
    path,
    *,
    institution: str | None = None,
    fmt: str | None = None,
    user=None,
    rejects_path=None,
    workers: int | None = None,
) -> ImportReport:
    """Imports one file; never raises for bad content (see ``report.fatal``).

    ``workers``: processes that normalise rows (default: 2 for files of at least
    ``PARALLEL_MIN_ROWS`` rows with case references, else none besides this one)."""
    path = Path(path)
    report = ImportReport()
    if fmt is not None and fmt not in FORMATS:
        report.fatal = f"formato desconocido «{fmt}» / unknown format «{fmt}»"
        return report
    default = None
    if institution:
        try:
            default = ensure_institution(institution)
        except UnknownInstitution as error:
            hint = ", ".join(error.suggestions)
            report.fatal = f"{error} ({hint})" if hint else str(error)
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

    def new_batch(code: str) -> ImportBatch:
        return ImportBatch.objects.create(
            institution_id=Institution.objects.get(code=code).id,
            original_name=path.name[:255],
            sha256=report.sha256,
            stored_path=str(raw_copy),
            format=source.fmt,
            created_by=user if getattr(user, "pk", None) else None,
        )

    try:
        _run(
            source,
            report,
            institution=default,
            user=user,
            batch_factory=new_batch,
            rejects_path=rejects,
            workers=workers,
        )
    except UnreadableFile as error:
        report.fatal = str(error)
    if not rejects_path and rejects.exists():
        # The quarantine kept beside the raw file is encrypted at rest like it.
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
    """Stores rows already parsed (schema column names or any accepted header → text)."""
    report = ImportReport()
    default = ensure_institution(institution)
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        report.format = fmt
        report.warnings.append("No hay filas / no rows")
        return report
    headers = list(first.keys())

    def numbered() -> Iterator[tuple[int, list[str], list[str]]]:
        for number, row in enumerate([first], start=2):
            cells = [_as_text(row.get(h)) for h in headers]
            yield number, cells, cells
        for number, row in enumerate(iterator, start=3):
            cells = [_as_text(row.get(h)) for h in headers]
            yield number, cells, cells

    reopen = None
    if isinstance(rows, list | tuple):
        # A list can be read twice, so its cases may be spread anywhere.
        def reopen():
            for number, row in enumerate(rows, start=2):
                cells = [_as_text(row.get(h)) for h in headers]
                yield number, cells, cells

    source = _Source(headers, headers, numbered(), fmt, reopen)

    def new_batch(code: str) -> ImportBatch:
        return ImportBatch.objects.create(
            institution_id=Institution.objects.get(code=code).id,
            original_name=name[:255],
            sha256="",
            stored_path="",
            format=fmt,
            created_by=user if getattr(user, "pk", None) else None,
        )

    _run(
        source,
        report,
        institution=default,
        user=user,
        batch_factory=new_batch,
        rejects_path=Path(rejects_path) if rejects_path else None,
    )
    return report


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
