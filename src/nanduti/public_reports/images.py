"""Screenshots: images only, size-limited, re-encoded without metadata, kept sealed.

The upload is decoded by Pillow and written again as PNG from its pixels alone, so EXIF
(camera, GPS position, time), XMP, comments and text chunks are left behind; the EXIF
orientation is applied first so the picture still stands upright. The clean PNG is sealed
(AES-GCM under the field key, ``registry.sealed``) under ``VAR_DIR/public_reports/`` and
covered by key rotation like the raw imports.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from nanduti.registry import sealed

FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # a 6000 × 6000 photo; larger is refused before decoding


class ImageRefused(ValueError):
    def __init__(self, es: str, en: str):
        super().__init__(f"Captura: {es} / Screenshot: {en}")


def max_bytes() -> int:
    return int(getattr(settings, "NANDUTI_REPORT_IMAGE_MAX_BYTES", 5 * 1024 * 1024))


def store_dir() -> Path:
    return Path(settings.VAR_DIR) / "public_reports"


def clean_png(data: bytes) -> bytes:
    """The picture as PNG without any metadata; refuses what is not an image."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise ImageRefused(
                    f"formato {probe.format} no admitido (JPEG, PNG, WebP o GIF)",
                    f"format {probe.format} not accepted (JPEG, PNG, WebP or GIF)",
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRefused("la imagen es demasiado grande", "the image is too large")
            probe.load()
            upright = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ImageRefused(
            "el archivo no es una imagen válida", "the file is not a valid image"
        ) from error
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB"
    pixels = Image.frombytes(mode, upright.size, upright.convert(mode).tobytes())
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=False)
    return out.getvalue()


def keep(png: bytes) -> str:
    """Seal a picture cleaned by :func:`clean_png`; its file name (under ``store_dir()``)."""
    name = f"{hashlib.sha256(png).hexdigest()}.png{sealed.SUFFIX}"
    target = store_dir() / name
    if target.exists():
        return name
    store_dir().mkdir(parents=True, exist_ok=True)
    fd, plain = tempfile.mkstemp(dir=store_dir(), prefix=".plain-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(png)
        sealed.seal(Path(plain), target)
    finally:
        os.unlink(plain)
    return name


def read(name: str) -> bytes:
    """The clean PNG of a kept screenshot (for reviewers)."""
    source = store_dir() / Path(name).name
    fd, plain = tempfile.mkstemp(dir=store_dir(), prefix=".open-")
    os.close(fd)
    try:
        sealed.unseal(source, Path(plain))
        return Path(plain).read_bytes()
    finally:
        Path(plain).unlink(missing_ok=True)
