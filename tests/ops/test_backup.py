"""Backup → wipe → restore gives back every row and file; the archive reveals nothing."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from nanduti.ops import backup as ops_backup
from nanduti.registry.importer import import_file
from nanduti.registry.models import AuditEvent, Case, Victim

CSV = """referencia_caso;fecha;departamento;plataformas_captacion;sexo;edad;nombre_victima;documento
B-1;03/05/2023;Central;wsp|Facebook;F;15;María López;4.123.456
B-2;2022-01-15;Itapúa;tiktok;M;17;Juan Pérez;
B-3;2022-01-15;Marte;tiktok;M;17;Rosa Benítez;
"""


@pytest.fixture
def registry(settings, tmp_path, institutions, officer):
    settings.VAR_DIR = tmp_path / "var"
    source = tmp_path / "casos.csv"
    source.write_text(CSV, encoding="utf-8")
    report = import_file(source, institution="UFETESI", user=officer)
    assert (report.stored, report.rejected) == (2, 1)
    return report


def state() -> dict:
    """Every table's stored rows and every data file's bytes."""
    tables = {m._meta.db_table: list(ops_backup.table_rows(m)) for m in ops_backup.models()}
    files = {name: path.read_bytes() for name, path in ops_backup.data_files()}
    return {"tables": tables, "files": files}


def wipe() -> None:
    with connection.cursor() as cursor:
        ops_backup.wipe_tables(cursor, [m._meta.db_table for m in ops_backup.models()])
    for _name, path in list(ops_backup.data_files()):
        path.unlink()


@pytest.mark.django_db
def test_backup_wipe_restore_gives_back_every_row_and_file(registry, tmp_path):
    before = state()
    archive = tmp_path / "respaldo.nanduti"
    call_command("backup", "-o", str(archive))
    assert archive.stat().st_mode & 0o777 == 0o600
    content = archive.read_bytes()
    assert b"Mar\xc3\xada L\xc3\xb3pez" not in content and b"registry_case" not in content
    from django.conf import settings

    assert settings.FIELD_ENCRYPTION_KEYS[0].encode() not in content
    wipe()
    assert Case.objects.count() == 0 and not list(ops_backup.data_files())
    call_command("restore", str(archive))
    after = state()
    assert after["tables"] == before["tables"]
    assert after["files"] == before["files"]
    assert any(n.endswith(".rechazos.csv.sealed") for n in after["files"])  # the quarantine
    # What a user sees is back too: identifying data, the importer's hashes, µs timestamps.
    assert Victim.objects.get(case__reference="B-1").full_name == "María López"
    assert all(Case.objects.values_list("content_hash", flat=True))
    event = AuditEvent.objects.get(action="import")
    assert event.at.isoformat() == stored_time(before, event.pk)
    # New rows continue after the restored ids (sequences reset).
    assert Case.objects.create(institution=event.institution, reference="N").pk > max(
        row[0] for row in before["tables"]["registry_case"]
    )


def stored_time(snapshot: dict, pk: int) -> str:
    """The audit event's time as the backup read it (UTC, with its microseconds)."""
    fields = [f.name for f in AuditEvent._meta.concrete_fields]
    row = next(r for r in snapshot["tables"]["registry_auditevent"] if r[0] == pk)
    return row[fields.index("at")]


@pytest.mark.django_db
def test_restore_refuses_an_archive_made_with_other_keys(registry, tmp_path, settings):
    archive = tmp_path / "respaldo.nanduti"
    call_command("backup", "-o", str(archive))
    cases = Case.objects.count()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive))
    message = str(refused.value)
    assert "otra clave" in message and "another key" in message
    # With a passphrase the archive opens, but its data need the old field keys: refused too.
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    phrase = tmp_path / "frase.txt"
    phrase.write_text("una frase de paso bastante larga\n", encoding="utf-8")
    with_phrase = tmp_path / "con-frase.nanduti"
    call_command("backup", "-o", str(with_phrase), "--passphrase-file", str(phrase))
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(with_phrase), "--passphrase-file", str(phrase))
    message = str(refused.value)
    assert "NANDUTI_FIELD_KEYS" in message and "nada" in message and "nothing" in message
    assert Case.objects.count() == cases  # nothing was touched


@pytest.mark.django_db
def test_passphrase_archive_restores_and_a_wrong_one_is_refused(registry, tmp_path):
    before = state()
    phrase, wrong = tmp_path / "frase.txt", tmp_path / "otra.txt"
    phrase.write_text("una frase de paso bastante larga\n", encoding="utf-8")
    wrong.write_text("otra frase de paso equivocada\n", encoding="utf-8")
    archive = tmp_path / "respaldo.nanduti"
    call_command("backup", "-o", str(archive), "--passphrase-file", str(phrase))
    with pytest.raises(CommandError, match="wrong passphrase"):
        call_command("restore", str(archive), "--passphrase-file", str(wrong))
    wipe()
    call_command("restore", str(archive), "--passphrase-file", str(phrase))
    assert state() == before


@pytest.mark.django_db
def test_an_altered_archive_is_refused_before_anything_changes(registry, tmp_path):
    archive = tmp_path / "respaldo.nanduti"
    call_command("backup", "-o", str(archive))
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 1
    archive.write_bytes(bytes(data))
    cases = Case.objects.count()
    with pytest.raises(CommandError, match="altered"):
        call_command("restore", str(archive))
    assert Case.objects.count() == cases
