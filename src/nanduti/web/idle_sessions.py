"""Sessions that end after ``SESSION_COOKIE_AGE`` seconds without a page view.

Django renews a session's expiry only when the session is saved; saving it on every
request (``SESSION_SAVE_EVERY_REQUEST``) would add a database write to each page and
each stylesheet, and parallel asset requests would fight over the same row. Here a page
view (an HTML answer) renews the expiry at most once per ``RENEW_AFTER``: a session ends
between ``SESSION_COOKIE_AGE - RENEW_AFTER`` and ``SESSION_COOKIE_AGE`` after the last
page the user opened.
"""

from __future__ import annotations

import time

RENEW_AFTER = 60  # seconds
# When the session was last saved by this middleware (seconds since the epoch): the
# database row's expiry is not readable from the session itself.
RENEWED_AT = "renewed_at"


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            session is not None
            and user is not None
            and user.is_authenticated
            and response.get("Content-Type", "").startswith("text/html")
        ):
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= RENEW_AFTER:
                # A changed session is saved by SessionMiddleware with a fresh expiry.
                session[RENEWED_AT] = now
        return response
