"""The API's Swagger page with its assets served from the installed django-ninja package.

django-ninja loads Swagger UI from a CDN unless ``ninja`` is an installed app; Ñandutí
never loads anything from a CDN, so this page uses the copies ninja ships.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import Swagger

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png")


class LocalSwagger(Swagger):
    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "css_url": reverse("api-docs-asset", args=["swagger-ui.css"]),
            "bundle_url": reverse("api-docs-asset", args=["swagger-ui-bundle.js"]),
            "init_url": reverse("api-docs-asset", args=["swagger-ui-init.js"]),
            "favicon_url": reverse("api-docs-asset", args=["favicon.png"]),
        }
        return render(request, "api/swagger.html", context)


def docs_asset(request, name: str):
    if name not in ASSETS:
        raise Http404(name)
    path = NINJA_STATIC / name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
    response["Cache-Control"] = "public, max-age=86400"
    return response
