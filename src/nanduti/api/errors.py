"""API errors in Spanish and English, each naming the field it is about.

django-ninja reports invalid requests with pydantic's English messages; these handlers
give every such error a Spanish and an English sentence, and the field's path
(``victims[2].age``), in ``detail`` and one by one in ``errors``.
"""

from __future__ import annotations

from ninja.errors import AuthenticationError, ValidationError

# pydantic error type → (Spanish, English); {placeholders} come from the error's context.
MESSAGES = {
    "missing": ("falta este campo", "this field is required"),
    "extra_forbidden": ("campo desconocido", "unknown field"),
    "int_parsing": ("debe ser un número entero", "must be a whole number"),
    "int_type": ("debe ser un número entero", "must be a whole number"),
    "int_from_float": ("debe ser un número entero", "must be a whole number"),
    "float_parsing": ("debe ser un número", "must be a number"),
    "bool_parsing": ("debe ser true o false", "must be true or false"),
    "string_type": ("debe ser un texto", "must be a text"),
    "list_type": ("debe ser una lista", "must be a list"),
    "dict_type": ("debe ser un objeto", "must be an object"),
    "model_type": ("debe ser un objeto", "must be an object"),
    "model_attributes_type": ("debe ser un objeto", "must be an object"),
    "date_parsing": ("fecha no válida (AAAA-MM-DD)", "invalid date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": ("fecha no válida (AAAA-MM-DD)", "invalid date (YYYY-MM-DD)"),
    "date_type": ("fecha no válida (AAAA-MM-DD)", "invalid date (YYYY-MM-DD)"),
    "greater_than_equal": ("debe ser al menos {ge}", "must be at least {ge}"),
    "greater_than": ("debe ser mayor que {gt}", "must be greater than {gt}"),
    "less_than_equal": ("debe ser como máximo {le}", "must be at most {le}"),
    "less_than": ("debe ser menor que {lt}", "must be less than {lt}"),
    "string_too_long": (
        "admite como máximo {max_length} caracteres",
        "takes at most {max_length} characters",
    ),
    "json_invalid": ("el cuerpo no es JSON válido", "the body is not valid JSON"),
}


def _path(loc) -> str:
    # ("body", "payload", "victims", 0, "age") → victims[1].age (rows counted from 1).
    parts = [p for p in loc if p not in ("body", "payload", "query", "filters", "path")]
    out = ""
    for part in parts:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(error: dict) -> dict:
    field = _path(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    if error.get("type") == "value_error" and " / " in str(ctx.get("error", "")):
        es, en = str(ctx["error"]).split(" / ", 1)  # our own validators write both
    else:
        es, en = MESSAGES.get(error.get("type", ""), ("valor no válido", error.get("msg", "")))
        es, en = es.format(**ctx), en.format(**ctx)
    return {"field": field, "message_es": es, "message_en": en}


def validation_error(request, exc: ValidationError, api):
    errors = [describe(e) for e in exc.errors]
    es = "; ".join(
        f"{e['field']}: {e['message_es']}" if e["field"] else e["message_es"] for e in errors
    )
    en = "; ".join(
        f"{e['field']}: {e['message_en']}" if e["field"] else e["message_en"] for e in errors
    )
    return api.create_response(request, {"detail": f"{es} / {en}", "errors": errors}, status=422)


def authentication_error(request, exc, api):
    return api.create_response(
        request,
        {"detail": "Falta un token válido (Authorization: Bearer …) / a valid token is required"},
        status=401,
    )


def not_found(request, exc, api):
    message = str(exc)
    if " / " not in message:
        message = "No encontrado / not found"
    return api.create_response(request, {"detail": message}, status=404)


def install(api) -> None:
    from django.http import Http404

    api.add_exception_handler(ValidationError, lambda r, e: validation_error(r, e, api))
    api.add_exception_handler(AuthenticationError, lambda r, e: authentication_error(r, e, api))
    api.add_exception_handler(Http404, lambda r, e: not_found(r, e, api))
