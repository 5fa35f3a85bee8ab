"""Create, check and revoke API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from nanduti.api.models import ApiToken
from nanduti.registry import permissions

TOKEN_PREFIX = "ndt_"
# last_used is written at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: returns the record and the raw token (shown only once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], key_hash=hash_token(raw)
    )
    return token, raw


def user_for(raw: str):
    """The active user owning a valid, unrevoked token, or None."""
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user__" + permissions.WITH_MEMBERSHIP)
        .filter(key_hash=hash_token(raw), revoked=False)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user


def revoke(prefix_or_id: str) -> int:
    tokens = ApiToken.objects.filter(revoked=False)
    if prefix_or_id.isdigit():
        tokens = tokens.filter(pk=int(prefix_or_id))
    else:
        tokens = tokens.filter(prefix=prefix_or_id)
    return tokens.update(revoked=True)
