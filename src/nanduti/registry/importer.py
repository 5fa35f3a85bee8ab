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

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from nanduti.registry import ctdc, permissions, sealed, xlsform
from nanduti.registry.io import parallel
from nanduti.registry.io.bundles import CaseBundle, add_row, row_text
from nanduti.registry.io.normalise import (
    Problem,
    RowNormaliser,
    row_key,
)
from nanduti.registry.io.reading import FORMATS, UnreadableFile, open_table, records_at
from nanduti.registry.io.storing import ChunkResult, Writer
from nanduti.registry.io.values import CellError, SafeCsvWriter, unneutralise
from nanduti.registry.models import ImportBatch, Institution, RejectedRow
from nanduti.registry.schema import column_for
from nanduti.taxonomy import vocab

CHUNK_ROWS = 5000
# Files with more rows are normalised in worker processes (see io/parallel.py); smaller ones
# would spend longer starting them than they save.
PARALLEL_MIN_ROWS = 50_000
WORKERS = 2
REPORT_LIMIT = 1000  # rows of detail kept in the JSON report; all are in the rejects file
# What a batch keeps of the report: how the file was read (its counts are the batch's own).
BATCH_REPORT_KEYS = (
    *("format", "encoding", "delimiter", "sha256", "warnings", "fatal", "rows_read", "fuzzy_count"),
)


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
    """Rejected rows: the RejectedRow table (in the batch of the row's institution) and a
    CSV with the original columns, formula-looking cells neutralised."""

    def __init__(self, headers: list[str], path: Path | None):
        self.headers = headers
        self.path = path
        self.pending: list[tuple[str | None, RejectedRow]] = []
        self._file = None
        self._writer = None

    def add(self, owner: str | None, number: int, cells: list[str], problems: list[Problem]):
        raw = {
            h or f"col{i + 1}": (cells[i] if i < len(cells) else "")
            for i, h in enumerate(self.headers)
        }
        if len(cells) > len(self.headers):
            raw["_extra"] = cells[len(self.headers) :]
        errors = [p.as_dict() for p in problems]
        self.pending.append((owner, RejectedRow(row_number=number, raw=raw, errors=errors)))
        if self.path is not None:
            if self._writer is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
                self._writer = SafeCsvWriter(self._file)
                self._writer.writerow([*self.headers, "_fila", "_errores"])
            padded = (list(cells) + [""] * len(self.headers))[: len(self.headers)]
            self._writer.writerow([*padded, number, " | ".join(p.message for p in problems)])

    def flush(self, batch_of: Callable[[str | None], ImportBatch]) -> None:
        """Stores the pending rows in their institutions' batches, counted with them."""
        if not self.pending:
            return
        counts: dict[int, int] = {}
        with transaction.atomic():
            for owner, row in self.pending:
                row.batch_id = batch_of(owner).id
                counts[row.batch_id] = counts.get(row.batch_id, 0) + 1
            RejectedRow.objects.bulk_create([row for _o, row in self.pending], batch_size=500)
            for batch_id, count in sorted(counts.items()):  # the writers' lock order
                ImportBatch.objects.filter(pk=batch_id).update(rejected=F("rejected") + count)
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


def _cell(normaliser: RowNormaliser, cells: list[str], name: str) -> str:
    header = normaliser.by_name.get(name)
    if header is None or header.position >= len(cells):
        return ""
    return unneutralise(cells[header.position].strip())


def _row_institution(normaliser: RowNormaliser, cells: list[str], default: str | None):
    """The institution code of a row as the normaliser will read it: the default when the
    row names none, None when it names one that does not resolve."""
    written = _cell(normaliser, cells, "institution")
    if not written:
        return default
    try:
        return normaliser.resolve_institution(written)
    except CellError:
        return None


def _case_key(normaliser: RowNormaliser, cells: list[str], default: str | None) -> int:
    """The (institution, reference) of a row, as the normaliser will read it, hashed."""
    code = _row_institution(normaliser, cells, default)
    if code is None:
        code = _cell(normaliser, cells, "institution")
    return hash((code or "", _cell(normaliser, cells, "case_reference")))


def _owner(normaliser: RowNormaliser, cells: list[str], default: str | None) -> str | None:
    """The institution whose batch keeps a rejected row: the importing user's when there is
    one (a row naming another institution is theirs to fix, never shown to that one), else
    the row's own institution if it names a known one, else the default (or none)."""
    if normaliser.only_institution:
        return normaliser.only_institution
    return _row_institution(normaliser, cells, default) or default


def _count_cases(
    rows,
    normaliser: RowNormaliser,
    default: str | None,
    counts: dict,
    starts: list | None = None,
    offsets: list | None = None,
    owners: set | None = None,
) -> bool:
    """Rows per case (hashed as :func:`_case_key` does), for the first pass over a file:
    the same reading as ``_case_key``, with the institution resolved once per raw value.

    Also appends to ``starts`` the position of the first row of each chunk of about
    ``parallel.CHUNK_ROWS`` rows, cut between cases, and, when ``rows`` give byte offsets
    (a fourth item), to ``offsets`` where each chunk starts (offset, row number); adds to
    ``owners`` the institutions the rows name; True if the rows of every case are
    consecutive (only then do such chunks hold whole cases)."""
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
    if owners is not None:
        owners.update(code or default or "" for code in codes.values())
        if inst_at is None:
            owners.add(default or "")
    return together


def _run(
    source: _Source,
    report: ImportReport,
    *,
    institution: Institution | None,
    confined: bool = False,
    user,
    batch_factory: Callable[[int | None], ImportBatch],
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
        only_institution=default_code if confined else None,
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
    owners: set[str] = set()
    if not derive and source.positioned is not None:
        offsets = []
        together = _count_cases(
            source.positioned(), normaliser, default_code, expected, starts, offsets, owners
        )
    elif not derive and source.reopen is not None:
        together = _count_cases(
            source.reopen(), normaliser, default_code, expected, starts, owners=owners
        )
    rejects = _Rejects(source.headers, rejects_path)
    # One batch per institution (a file may hold several): each sees only its own.
    batches: dict[str | None, ImportBatch] = {}
    batch_ids: dict[str, int] = {}
    writer = Writer(
        batch_ids=batch_ids, actor_id=getattr(user, "pk", None), institution_ids=institutions.ids
    )
    seen_rows: dict[int, int] = {}
    pending: dict[tuple[str, str], CaseBundle] = {}
    row_counts: dict[tuple[str, str], int] = {}
    written: set[int] = set()  # hashed keys of cases already written: small, even for 1M
    originals: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
    # A case with a rejected row is rejected whole: storing the rest and re-importing the
    # fixed row alone later would replace the case with that one row.
    broken_cases: dict[int, int] = {}
    rows_in_chunk = 0

    def reject(
        number: int, cells: list[str], problems: list[Problem], owner: str | None, adapted=None
    ) -> None:
        """``owner``: the institution whose batch keeps the row; ``adapted``: given when the
        rest of the row's case is to be rejected too."""
        if adapted is not None and not derive:
            broken_cases.setdefault(_case_key(normaliser, adapted, default_code), number)
        report.rejected += 1
        if len(report.errors) < REPORT_LIMIT:
            report.errors.append({"row": number, "errors": [p.as_dict() for p in problems]})
        rejects.add(owner, number, cells, problems)

    def owner_of(adapted: list[str]) -> str | None:
        return _owner(normaliser, adapted, default_code)

    def batch_of(code: str | None) -> ImportBatch:
        """The batch of an institution (None: rows whose institution is unknown, which no
        institution's users see), created when its first row is stored or rejected."""
        batch = batches.get(code or None)
        if batch is None:
            batch = batches[code or None] = batch_factory(institutions.ids.get(code or ""))
            if code:
                batch_ids[code] = batch.id
            report.batch_ids.append(batch.id)
            report.batch_id = report.batch_id or batch.id
        return batch

    def flush(final: bool = False) -> None:
        nonlocal rows_in_chunk
        ready: list[CaseBundle] = []
        ready_rows: list[tuple[str, int, list[str]]] = []
        for key, bundle in list(pending.items()):
            hashed = hash(key)
            if final or row_counts[key] >= expected.get(hashed, 0):
                del pending[key]
                written.add(hashed)
                rows = originals.pop(key)
                if hashed in broken_cases:
                    first = broken_cases[hashed]
                    for number, cells in rows:
                        reject(number, cells, [_sibling_rejected(number, key[1], first)], key[0])
                else:
                    ready.append(bundle)
                    ready_rows.extend((key[0], number, cells) for number, cells in rows)
        for code in {bundle.institution for bundle in ready}:
            batch_of(code)
        if ready:
            try:
                with writer.tuned():
                    result = writer.write(ready)
            except DatabaseError as error:
                # The chunk's transaction was rolled back: its rows go to the rejects, with
                # the database's reason, so that nothing is silently lost.
                for code, number, cells in ready_rows:
                    reject(number, cells, [_database_error(number, error)], code)
            else:
                add_result(result)
        rejects.flush(batch_of)
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
                    owner_of(adapted),
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
            reject(number, cells, problems, owner_of(adapted), adapted)
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
            reject(number, cells, [_split_case(number, key[1])], key[0])
            return
        bundle = pending.get(key)
        if bundle is None:
            bundle = pending[key] = CaseBundle(*key, fields={"source": "import"})
            row_counts[key] = 0
            originals[key] = []
        problem = add_row(bundle, number, row)
        if problem is not None:
            reject(number, cells, [problem], key[0], adapted)
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
        for number, cells, problems, owner in rejected:
            reject(number, cells, problems, owner)

    def add_result(result: ChunkResult) -> None:
        report.stored += result.stored
        report.updated += result.updated
        report.unchanged += result.unchanged

    def take(packed) -> None:
        """A chunk grouped and packed by a worker (see ``pack_chunk``)."""
        _kind, rows_read, rejected, fuzzy, packs = packed
        account(rows_read, rejected, fuzzy)
        for code in {pack[0] for pack in packs}:
            batch_of(code)
        if packs:
            try:
                with writer.tuned():
                    result = writer.write_packed(packs)
            except DatabaseError as error:
                owners = {n: pack[0] for pack in packs for n in pack[-1]}
                for number, cells in _cells_of(source, set(owners)):
                    reject(number, cells, [_database_error(number, error)], owners[number])
            else:
                add_result(result)
        rejects.flush(batch_of)

    def take_written(written) -> None:
        """A chunk a worker packed and stored itself (see ``write_chunk``)."""
        _kind, rows_read, rejected, fuzzy, result, failed, error = written
        account(rows_read, rejected, fuzzy)
        add_result(result)
        if failed:
            refused = DatabaseError(error)
            for number, cells in _cells_of(source, set(failed)):
                reject(number, cells, [_database_error(number, refused)], failed[number])
        rejects.flush(batch_of)

    def pack_chunk(rows: list) -> tuple:
        """In a worker: normalises, groups and packs a chunk of whole cases; or gives the rows
        back for this process to import one by one when one of them needs the database."""
        try:
            return _pack_chunk(rows, normaliser, writer, default_code)
        except parallel.NeedsMain:
            return ("rows", [(n, c, a, row_key(a), None) for n, c, a in rows])

    def write_chunk(rows: list) -> tuple:
        """In a worker with a connection of its own: packs a chunk and stores it, in one
        transaction; what the main process needs back is counts, id ranges and rejects."""
        packed = pack_chunk(rows)
        if packed[0] == "rows":
            return packed
        _kind, rows_read, rejected, fuzzy, packs = packed
        result, failed, error = ChunkResult(), {}, ""
        if packs:
            try:
                with writer.tuned():
                    result = writer.write_packed(packs)
            except DatabaseError as exc:
                failed = {n: pack[0] for pack in packs for n in pack[-1]}
                error = str(exc)
        return ("written", rows_read, rejected, fuzzy, result, failed, error)

    if workers is None:
        big = sum(expected.values()) >= PARALLEL_MIN_ROWS
        workers = WORKERS if big else 1
    try:
        if workers > 1 and not derive and together and len(starts) > 1:
            # Workers normalise, group and build table rows; where they can, they store them too.
            writing = parallel.can_write_in_workers()
            report.workers, report.workers_stored = workers, writing
            if writing:
                # The batches of the institutions the rows name, committed before the
                # workers start: they point to them.
                for code in {default_code} if confined else owners & set(institutions.ids):
                    batch_of(code)
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
    # Counts were added to each batch with its chunks; its report says how the file was
    # read, never what other institutions' rows held (rejected rows' values stay encrypted
    # in RejectedRow).
    about_file = {k: v for k, v in report.as_dict().items() if k in BATCH_REPORT_KEYS}
    for batch in batches.values():
        batch.report = {**about_file, "finished": True}
        batch.save(update_fields=["report"])


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
            rejected.append(
                (number, cells, [_duplicate(number, first)], _owner(normaliser, adapted, default))
            )
            continue
        row, problems, fuzzy = normalise(number, adapted)
        if fuzzy:
            fuzzy_matches.extend(fuzzy)
        if row is None:
            broken.setdefault(_case_key(normaliser, adapted, default), number)
            rejected.append((number, cells, problems, _owner(normaliser, adapted, default)))
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
            rejected.append((number, cells, [problem], key[0]))
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
                rejected.append((number, cells, [_sibling_rejected(number, key[1], first)], key[0]))
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

    A ``user`` who belongs to an institution imports into it only: rows naming another
    are rejected. ``workers``: processes that normalise rows (default: 2 for files of at
    least ``PARALLEL_MIN_ROWS`` rows with case references, else none besides this one)."""
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

    def new_batch(institution_id: int | None) -> ImportBatch:
        return ImportBatch.objects.create(
            institution_id=institution_id,
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
            confined=permissions.institution_id(user) is not None,
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
    """Stores rows already parsed (schema column names or any accepted header → text);
    confined to the ``user``'s institution as :func:`import_file` is."""
    report = ImportReport()
    default, report.fatal = _default_institution(institution, user)
    if report.fatal:
        return report
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

    def new_batch(institution_id: int | None) -> ImportBatch:
        return ImportBatch.objects.create(
            institution_id=institution_id,
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
        confined=permissions.institution_id(user) is not None,
        user=user,
        batch_factory=new_batch,
        rejects_path=Path(rejects_path) if rejects_path else None,
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


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
