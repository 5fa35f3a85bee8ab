"""The anonymous public report form: answer, encryption, no trace of the sender, abuse limits."""

from __future__ import annotations

import io
import logging
import random
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.cache.backends.db import DatabaseCache
from django.core.files import temp
from django.db import connection
from django.utils import timezone
from PIL import Image

from nanduti.public_reports import guard, images
from nanduti.public_reports.models import PublicReport
from nanduti.registry.models import AuditEvent
from nanduti.registry.sealed import MAGIC

URL = "/denunciar/"
ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (Linux; Android 14; Test-Phone-XYZ987)"


def post(client, data, address=ADDRESS, **extra):
    return client.post(URL, data, REMOTE_ADDR=address, HTTP_USER_AGENT=AGENT, **extra)


def with_proof(client, data):
    """The form as a browser sends it after pow.js solved the page's challenge."""
    page = client.get(URL)
    challenge = page.context["challenge"]
    return dict(data, pow_challenge=challenge, pow_counter=str(guard.solve(challenge, 8)))


@pytest.mark.django_db
def test_offer_with_red_flags_answers_with_reasons_advice_and_help_lines(client, offer):
    response = post(client, offer)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Encontramos varias señales de alerta de captación engañosa" in html
    answer = response.context["answer"]
    codes = {r.code for r in answer.reasons}
    assert {"R2", "R3", "R7", "R8"} <= codes and answer.suspicious
    assert "Viaje solo de ida" in html and "solo de ida" in html  # label and the words found
    assert "Un empleo serio no pide fotos de cuerpo entero" in html  # R7's advice
    assert 'href="tel:147"' in html  # MINNA's line, the one number the sources give
    assert "https://trata.ministeriopublico.gov.py/" in html
    assert PublicReport.objects.get().flags == [r.code for r in answer.reasons]


@pytest.mark.django_db
def test_page_in_english_when_chosen(client, offer):
    client.cookies["django_language"] = "en"
    html = post(client, offer).content.decode()
    assert "One-way travel" in html and "Where to get help in Paraguay" in html
    assert "Viaje solo de ida" not in html


@pytest.mark.django_db
def test_report_is_stored_encrypted(client, offer):
    post(client, dict(offer, contact="maria.contacto@example.org"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, contact, reasons FROM public_reports_publicreport")
        text, contact, reasons = cursor.fetchone()
    for stored in (text, contact, reasons):
        assert stored.startswith("gAAAA")  # a Fernet token
    assert "España" not in text + reasons and "maria" not in contact
    report = PublicReport.objects.get()
    assert report.text == offer["text"] and report.contact == "maria.contacto@example.org"
    assert report.reasons[0]["evidence"]
    # The audit trail records the report was created, not what it says.
    event = AuditEvent.objects.get(model="publicreport", action="create")
    assert event.actor is None and "España" not in str(event.changes)


def _every_stored_value() -> str:
    values = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            values.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(values)


@pytest.mark.django_db
def test_no_address_or_browser_stored_or_logged(client, offer, caplog, settings):
    caplog.set_level(logging.DEBUG)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(png, "PNG")
    png.name = "captura.png"
    png.seek(0)
    ok = post(client, dict(offer, screenshot=png))
    refused = post(client, dict(offer, website="http://spam.example"))
    assert (ok.status_code, refused.status_code) == (200, 400)
    stored = _every_stored_value()
    assert PublicReport.objects.count() == 1
    assert ADDRESS not in stored and "Test-Phone-XYZ987" not in stored
    assert ADDRESS not in caplog.text and "Test-Phone-XYZ987" not in caplog.text
    # No session, no cookie that follows the sender.
    assert Session.objects.count() == 0
    assert settings.SESSION_COOKIE_NAME not in ok.cookies
    assert ok["Cache-Control"].startswith("max-age=0") and "no-store" in ok["Cache-Control"]
    # Nothing on disk names the sender either (the sealed screenshot is encrypted).
    for path in (settings.VAR_DIR / "public_reports").rglob("*"):
        assert path.read_bytes().startswith(MAGIC)


def test_server_access_log_blanks_the_sender_of_public_reports():
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from nanduti.public_reports.access_log import AccessLog

    log = AccessLog(Config())

    def line(path: str) -> dict:
        environ = {
            "REMOTE_ADDR": ADDRESS,
            "HTTP_USER_AGENT": AGENT,
            "HTTP_REFERER": "https://example.org/",
            "REQUEST_METHOD": "POST",
            "RAW_URI": path,
            "PATH_INFO": path,
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        request = SimpleNamespace(headers=[("X-FORWARDED-FOR", ADDRESS)])
        response = SimpleNamespace(status="200 OK", sent=10, headers=[])
        return log.atoms(response, request, environ, timedelta(seconds=1))

    public, other = line("/denunciar/"), line("/casos/")
    assert ADDRESS not in str(public) and "Test-Phone" not in str(public)
    assert public["r"] == "POST /denunciar/ HTTP/1.1" and public["s"] == "200"
    assert other["h"] == ADDRESS  # other pages keep the usual log


@pytest.mark.django_db
def test_honeypot_refused_with_bilingual_message(client, offer):
    response = post(client, dict(offer, website="http://spam.example"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "se completó un campo oculto" in html and "a hidden field that people leave" in html
    assert PublicReport.objects.count() == 0


@pytest.mark.django_db
def test_rate_limit_without_proof_of_work(client, offer, settings):
    settings.NANDUTI_REPORT_LIMIT_NO_POW = 2
    assert [post(client, offer).status_code for _ in range(3)] == [200, 200, 429]
    refused = post(client, offer)
    html = refused.content.decode()
    assert refused.status_code == 429
    assert "demasiadas denuncias desde su conexión" in html and "Too many reports" in html
    assert 'href="tel:147"' in html  # someone in danger still sees where to call
    assert PublicReport.objects.count() == 2
    # Another connection is not affected; the counter is kept under a hash, not the address.
    assert post(client, offer, address="198.51.100.9").status_code == 200


@pytest.mark.django_db
def test_solved_proof_of_work_raises_the_limit_once_per_challenge(client, offer, settings):
    settings.NANDUTI_REPORT_LIMIT_NO_POW = 1
    settings.NANDUTI_REPORT_LIMIT = 3
    statuses = [post(client, with_proof(client, offer)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # A solved challenge sent again counts as no proof: the stricter limit (1) applies.
    reused = with_proof(client, offer)
    again = [post(client, reused, address="198.51.100.20").status_code for _ in range(3)]
    assert again == [200, 200, 429]


@pytest.mark.django_db
def test_limits_are_shared_by_every_server_process(client, offer, settings):
    """Counters live in the database: another gunicorn process (a cache of its own built
    from the same settings) sees the count, so two processes don't each allow the limit."""
    settings.NANDUTI_REPORT_LIMIT_NO_POW = 1
    assert post(client, offer).status_code == 200
    other_process = DatabaseCache(settings.CACHES["limits"]["LOCATION"], {})
    key = f"public-report:rate-nowork:{guard.sender_key(ADDRESS, timezone.localdate())}"
    assert other_process.get(key) == 1


def test_proof_of_work_checks():
    challenge = guard.new_challenge()
    counter = guard.solve(challenge, 8)
    wrong = next(c for c in range(counter + 1, counter + 10_000) if not _solves(challenge, c))
    assert not guard.proof_valid(challenge, str(wrong))
    assert not guard.proof_valid(challenge + "x", str(counter))  # not signed by us
    assert not guard.proof_valid(challenge, "12a")


def _solves(challenge: str, counter: int) -> bool:
    import hashlib

    digest = hashlib.sha256(f"{challenge}:{counter}".encode()).digest()
    return guard.leading_zero_bits(digest) >= 8


def test_sender_key_changes_every_day_and_hides_the_address():
    from datetime import date

    today, tomorrow = date(2026, 12, 7), date(2026, 12, 8)
    key = guard.sender_key(ADDRESS, today)
    assert key == guard.sender_key(ADDRESS, today) != guard.sender_key(ADDRESS, tomorrow)
    assert ADDRESS not in key and "203" not in key[:3]


def _jpeg_with_metadata(size=(60, 40)) -> bytes:
    picture = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerSecret"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to stand upright
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif.tobytes(), comment=b"where-i-live")
    return out.getvalue()


@pytest.mark.django_db
def test_screenshot_kept_sealed_without_metadata(client, offer, settings):
    upload = io.BytesIO(_jpeg_with_metadata())
    upload.name = "foto.jpg"
    assert post(client, dict(offer, screenshot=upload)).status_code == 200
    report = PublicReport.objects.get()
    kept = settings.VAR_DIR / "public_reports" / report.screenshot
    raw = kept.read_bytes()
    assert raw.startswith(MAGIC) and b"CameraMakerSecret" not in raw
    png = images.read(report.screenshot)
    with Image.open(io.BytesIO(png)) as opened:
        assert opened.format == "PNG" and opened.size == (40, 60)  # turned upright
        assert not opened.getexif() and "comment" not in opened.info
    assert b"CameraMakerSecret" not in png and b"where-i-live" not in png


@pytest.mark.django_db
def test_oversized_or_non_image_upload_refused(client, offer, settings):
    settings.NANDUTI_REPORT_IMAGE_MAX_BYTES = 50_000
    big = io.BytesIO(b"\xff\xd8\xff" + b"0" * 60_000)
    big.name = "grande.jpg"
    response = post(client, dict(offer, screenshot=big))
    html = response.content.decode()
    assert "la imagen supera" in html and "the image is over" in html
    text = io.BytesIO(b"#!/bin/sh\necho hola\n")
    text.name = "captura.png"
    html = post(client, dict(offer, screenshot=text)).content.decode()
    assert "no es una imagen válida" in html and "not a valid image" in html
    # A body far over the limit is refused before it is read.
    huge = io.BytesIO(b"0" * 400_000)
    huge.name = "enorme.png"
    response = post(client, dict(offer, screenshot=huge))
    assert response.status_code == 413
    assert "demasiado grande" in response.content.decode()
    assert response.context["form"]["text"].value() == offer["text"]  # nothing written is lost
    assert PublicReport.objects.count() == 0


@pytest.mark.django_db
def test_large_picture_never_touches_the_disk_unencrypted(client, offer, settings, tmp_path):
    """Django would spool an upload over 2.5 MB to a temporary file; this one stays in memory."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    noise = Image.frombytes("RGB", (1100, 1000), random.Random(7).randbytes(1100 * 1000 * 3))
    upload = io.BytesIO()
    noise.save(upload, "PNG")
    assert upload.tell() > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    upload.name = "grande.png"
    upload.seek(0)
    seen = []
    original = temp.NamedTemporaryFile

    def spy(*args, **kwargs):  # Django's temporary upload files are made here
        seen.append(kwargs)
        return original(*args, **kwargs)

    with mock.patch("django.core.files.temp.NamedTemporaryFile", spy):
        assert post(client, dict(offer, screenshot=upload)).status_code == 200
    assert PublicReport.objects.get().screenshot
    assert not seen and not any((tmp_path / "uploads").iterdir())


@pytest.mark.django_db
def test_text_is_required_and_limited(client):
    html = post(client, {"kind": "offer", "text": "corto"}).content.decode()
    assert "escriba al menos 10 caracteres" in html and "write at least 10" in html
    assert PublicReport.objects.count() == 0


@pytest.mark.django_db
def test_key_rotation_covers_reports_and_screenshots(client, offer, settings):
    from cryptography.fernet import Fernet

    from nanduti.registry.keys import rotate_all

    upload = io.BytesIO(_jpeg_with_metadata())
    upload.name = "foto.jpg"
    post(client, dict(offer, contact="099 000 000", screenshot=upload))
    old = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    counts = rotate_all()
    assert counts["public_reports.PublicReport"] == 3  # text, contact, reasons
    assert counts["files"] == 1
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # old key dropped
    report = PublicReport.objects.get()
    assert report.text == offer["text"] and report.contact == "099 000 000"
    assert images.read(report.screenshot).startswith(b"\x89PNG")
