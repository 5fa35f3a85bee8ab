"""Encoded files for federated linkage: each institution encodes its own victims with the
shared key and sends only the file; whoever links the files never holds the key.

Format: a first line ``#nanduti-linkage {JSON header}`` (scheme, parameters, key
fingerprint, institution, record count), then CSV with the record's references and its
encoded features — HMAC tokens and Bloom filters in hexadecimal, no clear identifier.
A record with no identifier has empty features and stays its own person.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nanduti.linkage.encoding import (
    BAND_FIELD,
    BLOCK_FIELDS,
    BLOOM_FIELDS,
    RARE_FIELD,
    SCHEME,
    TOKEN_FIELDS,
    WITHHELD,
    Encoder,
    is_withheld,
    suppress_common,
    withhold_common_bands,
)

if TYPE_CHECKING:  # only its fields are read: writing a file needs no database
    from nanduti.linkage.records import VictimRecord

MAGIC = "#nanduti-linkage "
REFERENCE_COLUMNS = ("institution", "case_reference", "victim_reference")
FEATURE_COLUMNS = (*TOKEN_FIELDS, *BLOCK_FIELDS, *BLOOM_FIELDS, BAND_FIELD)


class LinkageFileError(ValueError):
    """A file that cannot be linked; the message is bilingual and names the file."""


@dataclass(frozen=True, slots=True)
class EncodedFile:
    path: str
    header: dict
    references: list[tuple[str, str, str]]
    features: list[dict | None]


def write(path: str | Path, institution: str, records: Iterable[VictimRecord], encoder: Encoder):
    """Writes the encoded file; returns (records written, records with no identifier).
    Rare-name tokens that more than ``rare_most`` of the file's records share are withheld
    (``encoding.suppress_common``), and so are LSH band values that more than
    ``band_most`` share (``encoding.withhold_common_bands``): the file then holds no
    frequent name token and no crowded band."""
    records = list(records)
    encoded = [encoder.encode(r.identity) if r.identity.has_identifier else None for r in records]
    rare = suppress_common(
        [f[RARE_FIELD] if f else None for f in encoded], encoder.parameters.rare_most
    )
    _withhold_bands([f for f in encoded if f and f[BAND_FIELD]], encoder.parameters.band_most)
    rows = []
    missing = 0
    for r, features, token in zip(records, encoded, rare, strict=True):
        missing += features is None
        if features:
            features[RARE_FIELD] = token or b""
        cells: list[object] = [r.institution, r.case_reference, r.victim_reference]
        for column in FEATURE_COLUMNS:
            value = features[column] if features else ""
            if isinstance(value, bytes):
                value = value.hex()
            elif isinstance(value, list):
                value = " ".join(band_text(key) for key in value)
            cells.append(value)
        rows.append(cells)
    header = {**encoder.header(), "institution": institution, "records": len(rows)}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(MAGIC + json.dumps(header, sort_keys=True) + "\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*REFERENCE_COLUMNS, *FEATURE_COLUMNS])
        writer.writerows(rows)
    return len(rows), missing


def _withhold_bands(features: list[dict], most: int) -> None:
    """Replaces the band keys of ``features`` (all with every band) by those
    ``withhold_common_bands`` keeps over all of them."""
    if not features:
        return
    joined = b"".join(key for f in features for key in f[BAND_FIELD])
    records, bands = len(features), len(features[0][BAND_FIELD])
    width = len(joined) // (records * bands)
    keys = np.frombuffer(joined, dtype=np.uint8).reshape(records * bands, width)
    kept = withhold_common_bands(keys, most)
    for f, row in zip(features, kept.reshape(records, bands, width), strict=True):
        f[BAND_FIELD] = [key.tobytes() for key in row]


def read(path: str | Path) -> EncodedFile:
    with open(path, encoding="utf-8", newline="") as fh:
        first = fh.readline()
        if not first.startswith(MAGIC):
            raise LinkageFileError(
                f"«{path}» no es un archivo cifrado de Ñandutí (falta la cabecera) / "
                f"«{path}» is not a Ñandutí encoded file (header missing)"
            )
        try:
            header = json.loads(first[len(MAGIC) :])
        except json.JSONDecodeError as error:
            raise LinkageFileError(
                f"«{path}»: cabecera ilegible / unreadable header ({error})"
            ) from None
        if header.get("scheme") != SCHEME:
            # Checked before the columns: another scheme has other columns, and this says why.
            raise LinkageFileError(
                f"«{path}» fue cifrado con otro esquema ({header.get('scheme')} ≠ {SCHEME}): "
                f"hay que cifrarlo de nuevo / «{path}» was encoded with another scheme "
                f"({header.get('scheme')} ≠ {SCHEME}): it must be encoded again"
            )
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != (*REFERENCE_COLUMNS, *FEATURE_COLUMNS):
            raise LinkageFileError(
                f"«{path}»: columnas inesperadas / unexpected columns: {reader.fieldnames}"
            )
        references: list[tuple[str, str, str]] = []
        features: list[dict | None] = []
        width = (int(header.get("parameters", {}).get("lsh_bits", 0)) + 7) // 8
        for row in reader:
            institution, case, victim = (row[c] for c in REFERENCE_COLUMNS)
            references.append((institution, case, victim))
            features.append(_features(row, width))
    return EncodedFile(str(path), header, references, features)


def _features(row: dict, width: int) -> dict | None:
    if not any(row[c] for c in FEATURE_COLUMNS):
        return None
    out: dict[str, object] = {
        c: bytes.fromhex(row[c]) for c in (*TOKEN_FIELDS, *BLOCK_FIELDS, *BLOOM_FIELDS)
    }
    out[BAND_FIELD] = [band_key(text, width) for text in row[BAND_FIELD].split()]
    return out


WITHHELD_TEXT = "-"


def band_text(key: bytes) -> str:
    """An LSH key (``Encoder.band_keys``: band number in two bytes, then the sampled bits)
    as the file writes it, "number:hex", or "number:-" where the value was withheld
    (``encoding.withhold_common_bands``)."""
    if is_withheld(key):
        return f"{int.from_bytes(key[:2], 'big') & ~(WITHHELD << 8)}:{WITHHELD_TEXT}"
    return f"{int.from_bytes(key[:2], 'big')}:{key[2:].hex()}"


def band_key(text: str, width: int) -> bytes:
    """``band_text``'s key back; ``width`` bytes of bits (the header's ``lsh_bits``)."""
    number, bits = text.split(":")
    if bits == WITHHELD_TEXT:
        return (int(number) | WITHHELD << 8).to_bytes(2, "big") + bytes(width)
    return int(number).to_bytes(2, "big") + bytes.fromhex(bits)


def check_compatible(files: list[EncodedFile]) -> None:
    """Refuses files encoded with another key, scheme or parameters than the first one."""
    if not files:
        raise LinkageFileError("Ningún archivo que enlazar / no file to link")
    first = files[0]
    for f in files[1:]:
        for part, es, en in (
            ("key_fingerprint", "otra clave", "another key"),
            ("scheme", "otro esquema", "another scheme"),
            ("parameters", "otros parámetros", "other parameters"),
        ):
            if f.header.get(part) != first.header.get(part):
                raise LinkageFileError(
                    f"«{f.path}» fue cifrado con {es} que «{first.path}» "
                    f"({f.header.get(part)} ≠ {first.header.get(part)}): no se pueden enlazar / "
                    f"«{f.path}» was encoded with {en} than «{first.path}»: they cannot be linked"
                )
