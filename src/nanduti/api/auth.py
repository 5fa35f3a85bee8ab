"""``Authorization: Bearer <token>`` authentication for the API, throttled like the login:
too many wrong tokens from one address and every token is refused there for a while."""

from __future__ import annotations

from ninja.errors import HttpError
from ninja.security import HttpBearer

from nanduti.api.tokens import user_for
from nanduti.ops import login_throttle


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if login_throttle.locked_out(request, token):
            raise HttpError(429, login_throttle.locked_out_message())
        user = user_for(token)
        if user is None:
            login_throttle.record_failed_token(request, token)
            return None
        # Views and permissions read request.user, as in the web pages.
        request.user = user
        return user
