"""Abuse protection of the public form, with no third-party service and no address kept.

- **Honeypot**: a field people never see (``website``); a robot that fills it is refused.
- **Proof of work**: the page carries a signed challenge; ``static/public_reports/pow.js``
  finds a counter whose SHA-256 with the challenge starts with ``POW_BITS`` zero bits
  (about a second on a phone). Each challenge counts once.
- **Rate limit** per sender, counted under a keyed hash of the address in the database cache
  ``limits``, which every server process shares. The
  key is derived from ``SECRET_KEY`` and the day, so the hash changes every day and cannot
  be reversed or linked across days without the secret; the address itself is never
  written anywhere. Senders whose browser did not solve the proof of work (JavaScript off)
  are still heard, under a stricter limit, and all of them together under a global one, so
  robots that skip the work cannot flood the queue even from many addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.core.cache import caches

HONEYPOT = "website"
WINDOW = 3600  # seconds: limits count reports per hour
CHALLENGE_MAX_AGE = 2 * 3600
_SALT = "nanduti.public_reports.pow"


def setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _limits():
    return caches["limits"]


def pow_bits() -> int:
    return setting("NANDUTI_REPORT_POW_BITS", 14)


@dataclass(frozen=True)
class Refusal:
    status: int
    es: str
    en: str

    @property
    def message(self) -> str:
        return f"{self.es} / {self.en}"


HONEYPOT_FILLED = Refusal(
    400,
    "No se recibió la denuncia: se completó un campo oculto que las personas dejan vacío "
    "(los programas automáticos lo llenan). Si usted es una persona, vuelva a cargar la "
    "página y envíe de nuevo.",
    "The report was not received: a hidden field that people leave empty was filled "
    "(automated programs fill it). If you are a person, reload the page and send again.",
)
TOO_MANY = Refusal(
    429,
    "Se recibieron demasiadas denuncias desde su conexión en la última hora. Espere una hora "
    "y vuelva a intentar; si alguien corre peligro, use las líneas de ayuda de abajo.",
    "Too many reports were received from your connection in the last hour. Wait an hour and "
    "try again; if someone is in danger, use the help lines below.",
)

TOO_LARGE = Refusal(
    413,
    "El envío es demasiado grande: la captura puede pesar hasta 5 MB.",
    "The submission is too large: the screenshot may be up to 5 MB.",
)


def honeypot_filled(data) -> bool:
    return bool((data.get(HONEYPOT) or "").strip())


# --- proof of work --------------------------------------------------------------------------


def new_challenge() -> str:
    return signing.TimestampSigner(salt=_SALT).sign(secrets.token_hex(12))


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def proof_valid(challenge: str, counter: str) -> bool:
    """Whether ``counter`` solves a challenge this server signed recently, the first time it
    is presented."""
    if not challenge or not counter or len(counter) > 20 or not counter.isdigit():
        return False
    try:
        nonce = signing.TimestampSigner(salt=_SALT).unsign(challenge, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        return False
    digest = hashlib.sha256(f"{challenge}:{counter}".encode("ascii")).digest()
    if leading_zero_bits(digest) < pow_bits():
        return False
    return _limits().add(f"public-report:pow:{nonce}", 1, CHALLENGE_MAX_AGE)


def solve(challenge: str, bits: int) -> int:
    """The counter the browser's script finds (used by the API's clients and tests)."""
    counter = 0
    while (
        leading_zero_bits(hashlib.sha256(f"{challenge}:{counter}".encode("ascii")).digest()) < bits
    ):
        counter += 1
    return counter


# --- rate limit -------------------------------------------------------------------------------


def sender_key(address: str, today: date) -> str:
    """A keyed hash of the sender's address, rotated daily; the address is not kept."""
    day_key = hmac.new(
        settings.SECRET_KEY.encode(), f"public-report:{today.isoformat()}".encode(), "sha256"
    ).digest()
    return hmac.new(day_key, address.encode(), "sha256").hexdigest()[:32]


def _count(key: str) -> int:
    _limits().add(key, 0, WINDOW)
    try:
        return _limits().incr(key)
    except ValueError:  # expired between add and incr
        _limits().set(key, 1, WINDOW)
        return 1


def allow(address: str, proof: bool, today: date) -> bool:
    """Count one attempt; whether it is within the limits."""
    sender = sender_key(address or "-", today)
    if proof:
        return _count(f"public-report:rate:{sender}") <= setting("NANDUTI_REPORT_LIMIT", 5)
    within_sender = _count(f"public-report:rate-nowork:{sender}") <= setting(
        "NANDUTI_REPORT_LIMIT_NO_POW", 2
    )
    within_all = _count("public-report:rate-nowork:all") <= setting(
        "NANDUTI_REPORT_LIMIT_NO_POW_ALL", 30
    )
    return within_sender and within_all
