"""``Authorization: Bearer <token>`` authentication for the API."""

from __future__ import annotations

from ninja.security import HttpBearer

from nanduti.api.tokens import user_for


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = user_for(token)
        if user is not None:
            # Views and permissions read request.user, as in the web pages.
            request.user = user
        return user
