"""The production server's access log, without who sent a public report.

gunicorn's access log writes each request's address, browser (User-Agent), referrer and any
header asked for in its format. For the public report paths those are blanked, so the log
keeps that a report was sent (status, size, time) but nothing about the sender.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

PUBLIC_PATHS = ("/denunciar/", "/api/public-reports")
WHO = ("h", "u", "f", "a")  # address, user, referrer, user agent


def is_public_report(path: str) -> bool:
    return path.startswith(PUBLIC_PATHS)


class AccessLog(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if is_public_report(environ.get("PATH_INFO") or ""):
            for key in atoms:
                if key in WHO or key.startswith("{"):  # {header}i, {variable}e, {header}o
                    atoms[key] = "-"
        return atoms
