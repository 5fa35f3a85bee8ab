"""Backups: the whole registry and its files in one encrypted archive, restored identical.

The archive is a tar stream sealed with :mod:`nanduti.registry.sealed` (AES-256-GCM, the
project's field key or a passphrase) holding

- ``manifest.json``: format, database vendor, applied migrations, the fingerprints of the
  field keys (never the keys), and per table and per file its row count or size and SHA-256;
- ``db/<table>.jsonl``: every row of every table, one JSON list per line, as stored —
  identifying data stay the stored Fernet tokens, timestamps keep their microseconds (UTC),
  JSON columns their text — so the dump is lossless and in one form on SQLite and
  PostgreSQL;
- ``files/…``: everything under ``VAR_DIR`` that is data — the raw imported files and the
  quarantine beside them (already encrypted at rest), fetched pages — not the static files,
  upload scratch space or locks.

Restore checks the archive's tag before touching anything, refuses an archive whose data
were encrypted with keys this install does not have, replaces every table in one
transaction, then the files, and checks every count and hash again.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import uuid
from base64 import b64decode, b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.dateparse import parse_datetime

from nanduti.registry import sealed

FORMAT = 1
CHUNK = 5000
# Under VAR_DIR but not data: collected static files, upload scratch space, restore space.
SKIPPED_DIRS = {"static", "uploads", "tmp"}
SKIPPED_SUFFIXES = (".part", ".lock")


class RestoreRefused(Exception):
    """The archive cannot be restored here; the message says why in Spanish and English."""


def models() -> list:
    """Every table Django manages, once each (many-to-many tables included)."""
    seen, out = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in seen:
            seen.add(meta.db_table)
            out.append(model)
    return out


def _encode(field, value):
    """A stored value as JSON, without loss."""
    if value is None:
        return None
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        if isinstance(value, str):
            value = parse_datetime(value)
        if value.tzinfo is None:  # SQLite keeps naive UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if kind in ("DateField", "TimeField"):
        return value if isinstance(value, str) else value.isoformat()
    if kind == "BooleanField":
        return bool(value)
    if kind == "JSONField":
        return value if isinstance(value, str) else json.dumps(value)
    if kind == "DecimalField":
        return str(value)
    if kind == "UUIDField":
        return str(uuid.UUID(str(value)))
    if kind == "BinaryField":
        return b64encode(bytes(value)).decode("ascii")
    if kind == "DurationField":
        return value if isinstance(value, int) else value // timedelta(microseconds=1)
    return value


def _decode(field, value):
    """A JSON value back to what the database stores for ``field``."""
    if value is None or getattr(field, "encrypted", False):
        return value  # an encrypted field's token goes back exactly as it was stored
    kind = field.get_internal_type()
    if kind == "JSONField":
        return connection.ops.adapt_json_value(json.loads(value), field.encoder)
    python = {
        "DateTimeField": datetime.fromisoformat,
        "DateField": date.fromisoformat,
        "TimeField": time.fromisoformat,
        "DecimalField": Decimal,
        "UUIDField": uuid.UUID,
        "BinaryField": b64decode,
        "DurationField": lambda v: timedelta(microseconds=v),
    }.get(kind)
    return field.get_db_prep_save(python(value) if python else value, connection)


def table_rows(model) -> Iterator[list]:
    """Every row of the model's table as stored, in primary-key order (keyset pages)."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    pk = model._meta.pk
    columns = ", ".join(quote(f.column) for f in fields)
    table, key = quote(model._meta.db_table), quote(pk.column)
    at = next(i for i, f in enumerate(fields) if f is pk)
    last = None
    with connection.cursor() as cursor:
        while True:
            where = f"WHERE {key} > %s " if last is not None else ""
            cursor.execute(
                f"SELECT {columns} FROM {table} {where}ORDER BY {key} LIMIT {CHUNK}",  # noqa: S608
                [last] if last is not None else [],
            )
            rows = cursor.fetchall()
            for row in rows:
                yield [_encode(f, v) for f, v in zip(fields, row, strict=True)]
            if len(rows) < CHUNK:
                return
            last = rows[-1][at]


def data_files() -> Iterator[tuple[str, Path]]:
    """(name in the archive, path) of every data file under VAR_DIR."""
    root = Path(settings.VAR_DIR)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            path.is_file()
            and relative.parts[0] not in SKIPPED_DIRS
            and not path.name.endswith(SKIPPED_SUFFIXES)
        ):
            yield relative.as_posix(), path


def _member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    """A regular file of the archive (a directory or link under that name is refused)."""
    stream = archive.extractfile(name)
    if stream is None:
        raise RestoreRefused(f"«{name}» no es un archivo / is not a file")
    return stream


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def applied_migrations() -> list[list[str]]:
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


@contextmanager
def _snapshot():
    """One consistent read of every table, even while the server writes."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


@contextmanager
def _scratch():
    root = Path(settings.VAR_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="backup-", dir=root))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> None:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with open(path, "rb") as fh:
        archive.addfile(info, fh)


def backup(output: Path, passphrase: str | None = None) -> dict:
    """Write the archive to ``output`` (mode 0600); returns its manifest."""
    output = Path(output)
    manifest: dict = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "vendor": connection.vendor,
        "key_fingerprints": sealed.key_fingerprints(),
        "tables": {},
        "files": {},
    }
    part = output.with_name(output.name + ".part")
    with _scratch() as scratch, sealed.private_file(part) as out:
        writer = sealed.SealedWriter(out, passphrase)
        # typeshed wants read/seek/tell of any fileobj; a "w|" stream only writes and closes.
        with tarfile.open(fileobj=writer, mode="w|") as archive:  # type: ignore[call-overload]
            with _snapshot():
                manifest["migrations"] = applied_migrations()
                for model in models():
                    table = model._meta.db_table
                    dump = scratch / f"{table}.jsonl"
                    digest, rows = hashlib.sha256(), 0
                    with open(dump, "wb") as fh:
                        for row in table_rows(model):
                            line = json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
                            digest.update(line)
                            fh.write(line)
                            rows += 1
                    manifest["tables"][table] = {"rows": rows, "sha256": digest.hexdigest()}
                    _add_file(archive, f"db/{table}.jsonl", dump)
                    dump.unlink()
            for name, path in data_files():
                if path.resolve() == output.resolve():
                    continue
                manifest["files"][name] = {"size": path.stat().st_size, "sha256": _sha256(path)}
                _add_file(archive, f"files/{name}", path)
            text = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mode = len(text), 0o600
            archive.addfile(info, io.BytesIO(text))
        writer.close()
    part.replace(output)
    return manifest


def _check_compatible(manifest: dict) -> None:
    if manifest.get("format") != FORMAT:
        raise RestoreRefused(
            f"formato de respaldo {manifest.get('format')} desconocido / unknown backup format"
        )
    missing = sorted(set(manifest["key_fingerprints"]) - set(sealed.key_fingerprints()))
    if missing:
        raise RestoreRefused(
            "Los datos identificatorios de este respaldo se cifraron con claves que no están en "
            f"NANDUTI_FIELD_KEYS (huellas {', '.join(missing)}); no se restauró nada. / The "
            "identifying data in this backup were encrypted with keys that are not in "
            f"NANDUTI_FIELD_KEYS (fingerprints {', '.join(missing)}); nothing was restored."
        )
    if manifest["migrations"] != applied_migrations():
        raise RestoreRefused(
            "El esquema de la base de datos no es el del respaldo: restaure con la versión de "
            "Ñandutí que lo creó (y `nanduti migrate`), luego actualice. / The database schema "
            "differs from the backup's: restore with the Ñandutí version that made it (and "
            "`nanduti migrate`), then upgrade."
        )


def wipe_tables(cursor, tables: list[str]) -> None:
    """Empty the tables (inside the caller's transaction)."""
    if connection.vendor == "postgresql":
        # TRUNCATE refuses while checks of this transaction's earlier writes are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for statement in connection.ops.sql_flush(no_style(), tables):
        cursor.execute(statement)
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _restore_tables(archive: tarfile.TarFile, manifest: dict) -> None:
    by_table = {m._meta.db_table: m for m in models()}
    if set(manifest["tables"]) != set(by_table):
        raise RestoreRefused("las tablas no coinciden / the tables do not match")
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        wipe_tables(cursor, list(by_table))
        for table, expected in manifest["tables"].items():
            fields = by_table[table]._meta.concrete_fields
            insert = (
                f"INSERT INTO {quote(table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"
            )
            digest, rows, batch = hashlib.sha256(), 0, []
            for line in _member(archive, f"db/{table}.jsonl"):
                digest.update(line)
                rows += 1
                values = json.loads(line)
                batch.append([_decode(f, v) for f, v in zip(fields, values, strict=True)])
                if len(batch) >= CHUNK:
                    cursor.executemany(insert, batch)
                    batch = []
            if batch:
                cursor.executemany(insert, batch)
            if (rows, digest.hexdigest()) != (expected["rows"], expected["sha256"]):
                raise RestoreRefused(f"tabla / table {table}: el contenido no coincide / mismatch")
        for statement in connection.ops.sequence_reset_sql(no_style(), list(by_table.values())):
            cursor.execute(statement)
        connection.check_constraints(table_names=list(by_table))


def _restore_files(archive: tarfile.TarFile, manifest: dict) -> None:
    root = Path(settings.VAR_DIR)
    for name, expected in manifest["files"].items():
        target = (root / name).resolve()
        if root.resolve() not in target.parents:
            raise RestoreRefused(f"ruta no permitida / path not allowed: {name}")
        part = target.with_name(target.name + ".part")
        with _member(archive, f"files/{name}") as src, sealed.private_file(part) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        if _sha256(part) != expected["sha256"]:
            part.unlink()
            raise RestoreRefused(f"archivo / file {name}: el contenido no coincide / mismatch")
        part.replace(target)
    for name, path in list(data_files()):
        if name not in manifest["files"]:
            path.unlink()  # the restored state is the archive's, not a mix


def restore(source: Path, passphrase: str | None = None) -> dict:
    """Replace the database contents and data files by the archive's; returns its manifest."""
    with _scratch() as scratch:
        plain = sealed.unseal(Path(source), scratch / "archive.tar", passphrase)
        with tarfile.open(plain, mode="r:") as archive:
            manifest = json.load(_member(archive, "manifest.json"))
            _check_compatible(manifest)
            _restore_tables(archive, manifest)
            _restore_files(archive, manifest)
    return manifest
