"""Files encrypted at rest: streamed, authenticated, and rotated with the field keys."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from nanduti.registry import sealed


def test_sealed_files_stream_in_blocks_and_open_identical(tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        for i in range(12):  # 12 MiB, more than the 1 MiB blocks
            fh.write(bytes([i]) * (1 << 20))
    kept = sealed.seal(big, tmp_path / "big.sealed")
    assert kept.stat().st_size == big.stat().st_size + sealed.HEADER_SIZE + sealed.TAG_SIZE
    assert kept.stat().st_mode & 0o777 == 0o600
    assert sealed.unseal(kept, tmp_path / "back.bin").read_bytes() == big.read_bytes()


def test_a_truncated_file_is_refused_and_nothing_is_written(tmp_path):
    plain = tmp_path / "a.csv"
    plain.write_bytes(b"referencia;nombre\nA-1;Rosa\n" * 1000)
    kept = sealed.seal(plain, tmp_path / "a.sealed")
    kept.write_bytes(kept.read_bytes()[:-100])
    with pytest.raises(sealed.SealError, match="incomplete"):
        sealed.unseal(kept, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.csv.part").exists()


@pytest.mark.django_db
def test_rotate_keys_reseals_kept_files_so_the_old_key_can_be_dropped(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    plain = tmp_path / "casos.csv"
    plain.write_bytes("referencia;nombre\nA-1;María\n".encode())
    kept = sealed.seal(plain, settings.VAR_DIR / "raw" / "ab" / "abc.csv.sealed")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert sealed.unseal(kept, tmp_path / "back.csv").read_bytes() == plain.read_bytes()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(sealed.SealError, match="another key"):
        sealed.unseal(kept, tmp_path / "again.csv")


def test_decrypt_file_command_gives_a_person_the_kept_file(tmp_path):
    plain = tmp_path / "rechazos.csv"
    plain.write_bytes("referencia;_errores\nQ-1;departamento «Marte»\n".encode())
    kept = sealed.seal(plain, tmp_path / "rechazos.csv.sealed")
    out = tmp_path / "para-corregir.csv"
    call_command("decrypt_file", str(kept), "-o", str(out), stdout=StringIO())
    assert out.read_bytes() == plain.read_bytes() and out.stat().st_mode & 0o777 == 0o600
