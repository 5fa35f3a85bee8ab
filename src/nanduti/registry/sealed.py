"""Files encrypted at rest: raw imported files, the quarantine on disk, backups.

AES-256-GCM (``cryptography``) over the whole file in one streaming pass, so a file of any
size is sealed and opened in constant memory. The key comes either from the project's field
key (``NANDUTI_FIELD_KEYS``, newest first; HKDF-SHA256 with a random salt per file) or from a
passphrase (scrypt). The header — format, salt, nonce and the key's fingerprint — is
authenticated with the contents; the tag at the end is checked before an opened file is
used (``unseal`` writes to a temporary file and only renames it once the tag is verified).

Layout: ``MAGIC | kind (k|p) | salt (16) | nonce (12) | check (16) | ciphertext | tag (16)``.
For ``k`` the check is the key's fingerprint (which of several keys opens the file); for ``p``
it is derived from the passphrase (a wrong passphrase is refused before decrypting).
"""

from __future__ import annotations

import base64
import hmac
import os
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings

MAGIC = b"NDTSEAL1"
SUFFIX = ".sealed"
HEADER_SIZE = len(MAGIC) + 1 + 16 + 12 + 16
TAG_SIZE = 16
BLOCK = 1 << 20


class SealError(ValueError):
    """A sealed file that cannot be opened with the keys or passphrase given."""


def _hkdf(material: bytes, salt: bytes | None, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(material)


def _field_key_bytes(key: str) -> bytes:
    return base64.urlsafe_b64decode(key.encode("ascii"))


def fingerprint(key: str) -> str:
    """A one-way fingerprint of a field key: names the key without revealing it."""
    return _hkdf(_field_key_bytes(key), None, b"nanduti key fingerprint", 16).hex()


def key_fingerprints() -> list[str]:
    return [fingerprint(k) for k in settings.FIELD_ENCRYPTION_KEYS]


def _passphrase_keys(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    derived = Scrypt(salt=salt, length=48, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))
    return derived[:32], derived[32:]


def _new_header(passphrase: str | None) -> tuple[bytes, bytes]:
    """(header, AES key) for a new file."""
    salt, nonce = os.urandom(16), os.urandom(12)
    if passphrase:
        key, check = _passphrase_keys(passphrase, salt)
        kind = b"p"
    else:
        newest = settings.FIELD_ENCRYPTION_KEYS[0]
        key = _hkdf(_field_key_bytes(newest), salt, b"nanduti sealed file")
        check, kind = bytes.fromhex(fingerprint(newest)), b"k"
    return MAGIC + kind + salt + nonce + check, key


def _key_for(header: bytes, passphrase: str | None) -> bytes:
    if len(header) != HEADER_SIZE or not header.startswith(MAGIC):
        raise SealError("no es un archivo cifrado de Ñandutí / not a Ñandutí encrypted file")
    kind, salt, check = header[8:9], header[9:25], header[37:53]
    if kind == b"p":
        if not passphrase:
            raise SealError(
                "el archivo se cifró con una frase de paso: indíquela / the file was encrypted "
                "with a passphrase: give it"
            )
        key, expected = _passphrase_keys(passphrase, salt)
        if not hmac.compare_digest(check, expected):
            raise SealError("frase de paso incorrecta / wrong passphrase")
        return key
    for field_key in settings.FIELD_ENCRYPTION_KEYS:
        if hmac.compare_digest(check, bytes.fromhex(fingerprint(field_key))):
            return _hkdf(_field_key_bytes(field_key), salt, b"nanduti sealed file")
    raise SealError(
        f"el archivo se cifró con otra clave (huella {check.hex()}), que no está en "
        f"NANDUTI_FIELD_KEYS / the file was encrypted with another key (fingerprint "
        f"{check.hex()}), not in NANDUTI_FIELD_KEYS"
    )


class SealedWriter:
    """A write-only file object that encrypts what is written to ``target``."""

    def __init__(self, target: BinaryIO, passphrase: str | None = None):
        header, key = _new_header(passphrase)
        self._target = target
        self._encryptor = Cipher(algorithms.AES(key), modes.GCM(header[25:37])).encryptor()
        self._encryptor.authenticate_additional_data(header)
        target.write(header)

    def write(self, data: bytes) -> int:
        self._target.write(self._encryptor.update(data))
        return len(data)

    def close(self) -> None:
        self._target.write(self._encryptor.finalize())
        self._target.write(self._encryptor.tag)


def private_file(path: Path) -> BinaryIO:
    """A new file readable and writable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when a leftover file of that name existed
    return os.fdopen(descriptor, "wb")


def seal(source: Path, target: Path, passphrase: str | None = None) -> Path:
    """Encrypt ``source`` into ``target`` (mode 0600, written under a temporary name)."""
    part = target.with_name(target.name + ".part")
    with open(source, "rb") as plain, private_file(part) as out:
        writer = SealedWriter(out, passphrase)
        for block in iter(lambda: plain.read(BLOCK), b""):
            writer.write(block)
        writer.close()
    part.replace(target)
    return target


def seal_in_place(path: Path) -> Path:
    """Replace a plain file by its sealed copy ``<name>.sealed``."""
    target = seal(path, path.with_name(path.name + SUFFIX))
    path.unlink()
    return target


def reseal(path: Path) -> bool:
    """Re-encrypt a file sealed with an older field key under the newest one (key rotation);
    whether it had to be."""
    with open(path, "rb") as fh:
        header = fh.read(HEADER_SIZE)
    newest = bytes.fromhex(fingerprint(settings.FIELD_ENCRYPTION_KEYS[0]))
    if header[8:9] != b"k" or header[37:53] == newest:
        return False
    plain = unseal(path, path.with_name(path.name + ".plain"))
    try:
        seal(plain, path)
    finally:
        plain.unlink()
    return True


def unseal(source: Path, target: Path, passphrase: str | None = None) -> Path:
    """Decrypt ``source`` into ``target`` (mode 0600); nothing is left at ``target`` unless
    the whole file was authentic."""
    size = source.stat().st_size
    part = target.with_name(target.name + ".part")
    with open(source, "rb") as sealed:
        header = sealed.read(HEADER_SIZE)
        key = _key_for(header, passphrase)
        if size < HEADER_SIZE + TAG_SIZE:
            raise SealError("archivo cifrado truncado / truncated encrypted file")
        sealed.seek(size - TAG_SIZE)
        tag = sealed.read(TAG_SIZE)
        sealed.seek(HEADER_SIZE)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(header[25:37], tag)).decryptor()
        decryptor.authenticate_additional_data(header)
        remaining = size - HEADER_SIZE - TAG_SIZE
        try:
            with private_file(part) as out:
                while remaining:
                    block = sealed.read(min(BLOCK, remaining))
                    remaining -= len(block)
                    out.write(decryptor.update(block))
                decryptor.finalize()
        except InvalidTag:
            part.unlink(missing_ok=True)
            raise SealError(
                "el archivo cifrado fue alterado o está incompleto / the encrypted file was "
                "altered or is incomplete"
            ) from None
    part.replace(target)
    return target
