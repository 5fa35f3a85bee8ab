"""The REST API (django-ninja): cases with nested children, vocabularies.

Same permissions as the web: a user works only on their institution's cases (another
institution's case answers 404), identifying data is returned only to the owning
institution, and users without an institution (analysts) get 403 on case endpoints.
"""

from __future__ import annotations

import importlib
import logging
import re

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Query, Router, Status
from ninja.errors import HttpError

from nanduti.api import cases as case_service
from nanduti.api import errors
from nanduti.api.auth import TokenAuth
from nanduti.api.docs import LocalSwagger
from nanduti.api.schemas import (
    CaseIn,
    CaseOut,
    CasePage,
    CasePatch,
    Error,
    StrictSchema,
    VocabularyOut,
    VocabularySummary,
)
from nanduti.registry import freshness, permissions
from nanduti.registry.filters import filter_cases
from nanduti.registry.services import StaleVersion
from nanduti.taxonomy import vocab
from nanduti.taxonomy.vocab import SPECIAL_TERMS

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="Ñandutí API",
    version="1",
    description=(
        "Registro de casos de trata facilitada por tecnologías / registry of "
        "technology-facilitated trafficking cases. Authorization: Bearer <token> "
        "(`nanduti create-token USERNAME`).\n\n"
        "Concurrency: every case carries a `version`, also sent as the `ETag` header. Send it "
        'back as `If-Match: "<version>"` on PATCH or DELETE: if someone changed the case '
        "since, the answer is 412 and nothing is written. Without If-Match a PATCH is applied "
        "to the case as stored now and changes only the fields it names; children named "
        "without an id are added, children are deleted only when listed in `remove`.\n\n"
        "Unknown fields are refused (422) with their names; errors are in Spanish and English."
    ),
    auth=TokenAuth(),
    docs=LocalSwagger(),
)

cases_router = Router(tags=["cases"])
vocab_router = Router(tags=["vocabularies"])
MAX_PAGE_SIZE = 200


class CaseFilters(StrictSchema):
    q: str = ""
    year: int | None = None
    department: str = ""
    platform: str = ""
    exploitation_type: str = ""
    sex: str = ""
    legal_status: str = ""
    source: str = ""
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    limit: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE, description="Same as page_size")


errors.install(api)


def _require_institution(request):
    if permissions.institution_id(request.user) is None:
        raise HttpError(
            403,
            "Su cuenta no registra casos; use las estadísticas / "
            "your account does not record cases; use the statistics",
        )


def _get_case(request, case_id: int):
    _require_institution(request)
    case = get_object_or_404(permissions.visible_cases(request.user), pk=case_id)
    return case


def _out(request, case) -> dict:
    show = permissions.can_see_identifying(request.user, case)
    one = permissions.visible_cases(request.user).filter(pk=case.pk)
    return case_service.serialize(one, show)[0]


def _write(call):
    try:
        return call()
    except case_service.InvalidInput as exc:
        raise HttpError(422, str(exc)) from exc
    except case_service.Forbidden as exc:
        raise HttpError(403, str(exc)) from exc
    except StaleVersion as exc:
        raise HttpError(412, str(exc)) from exc


def _if_match(request) -> int | None:
    """The version an If-Match header names (``"3"``, ``W/"3"``), None when absent."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    found = re.fullmatch(r'(?:W/)?"?(\d+)"?', header)
    if found is None:
        raise HttpError(
            412,
            f'If-Match «{header[:40]}» no es una versión de este caso ("<versión>") / '
            'is not a version of this case ("<version>")',
        )
    return int(found.group(1))


def _etag(response: HttpResponse, body: dict) -> dict:
    response["ETag"] = f'"{body["version"]}"'
    return body


@cases_router.get("", response={200: CasePage, 403: Error}, summary="List own cases")
def list_cases(request, filters: Query[CaseFilters]):
    _require_institution(request)
    try:  # django-ninja passes only the parameters it knows: a misspelt one would be lost
        CaseFilters.refuse_unknown(request.GET)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    params = filters.dict()
    limit = params.pop("limit")
    page_size = limit or params.pop("page_size")
    params.pop("page_size", None)
    page = params.pop("page")
    # Identifying data belongs to the user's own institution: only its officers/stewards.
    role = permissions.role(request.user)
    show = role in ("officer", "steward")
    qs = filter_cases(permissions.visible_cases(request.user), params)
    qs = qs.order_by("-updated_at", "-id")
    rows = qs[(page - 1) * page_size : page * page_size]

    def counted() -> tuple[int, list[dict]]:
        # The count is shared by every page of a filter: not 30,000 index entries a call.
        scope = ("api:cases", permissions.institution_id(request.user), sorted(params.items()))
        return freshness.kept(repr(scope), qs.count), case_service.read(rows, show)

    # The count and the page's cases are kept until the registry changes, per user, role
    # and institution (what one may open and see depends on them, and a membership an
    # administrator changes is no registry change): identifying fields are kept as stored,
    # encrypted, and decrypted for each answer — plain text never sits in the cache.
    who = (request.user.pk, role, permissions.institution_id(request.user))
    count, results = freshness.kept(
        repr(("api:page", who, sorted(params.items()), page, page_size)), counted
    )
    body = {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": case_service.with_identifying(results),
    }
    # Written as it is: running 50 serialised cases back through the CasePage schema cost
    # a sixth of the request (tests/api check the answer against the schema instead).
    return api.create_response(request, body, status=200)


@cases_router.post("", response={201: CaseOut, 403: Error, 422: Error}, summary="Create a case")
def create_case(request, response: HttpResponse, payload: CaseIn):
    _require_institution(request)
    if not permissions.can_import(request.user):
        raise HttpError(403, "No puede crear casos / you may not create cases")
    case = _write(lambda: case_service.save_case(request.user, payload.dict()))
    return Status(201, _etag(response, _out(request, case)))


@cases_router.get("/{case_id}", response={200: CaseOut, 403: Error, 404: Error})
def get_case(request, response: HttpResponse, case_id: int):
    return _etag(response, _out(request, _get_case(request, case_id)))


@cases_router.patch(
    "/{case_id}", response={200: CaseOut, 403: Error, 404: Error, 412: Error, 422: Error}
)
def patch_case(request, response: HttpResponse, case_id: int, payload: CasePatch):
    case = _get_case(request, case_id)
    data = payload.dict(exclude_unset=True)
    expected = _if_match(request)
    case = _write(lambda: case_service.save_case(request.user, data, case.pk, expected))
    return _etag(response, _out(request, case))


@cases_router.delete("/{case_id}", response={204: None, 403: Error, 404: Error, 412: Error})
def delete_case(request, case_id: int):
    case = _get_case(request, case_id)
    expected = _if_match(request)
    _write(lambda: case_service.delete_case(request.user, case.pk, expected))
    return Status(204, None)


def _term(t) -> dict:
    return {
        "code": t.code,
        "label_es": t.label_es,
        "label_en": t.label_en,
        "parent": t.parent,
        "aliases": list(t.aliases),
    }


@vocab_router.get("", response=list[VocabularySummary], auth=None)
def list_vocabularies(request):
    out = []
    for name, meta in vocab.manifest().items():
        try:
            size = len(vocab.get(name))
        except FileNotFoundError:
            continue
        out.append(
            {
                "name": name,
                "label_es": meta.get("label_es", name),
                "label_en": meta.get("label_en", name),
                "version": meta.get("version", ""),
                "terms": size,
            }
        )
    return out


@vocab_router.get("/{name}", response={200: VocabularyOut, 404: Error}, auth=None)
def get_vocabulary(request, name: str):
    try:
        v = vocab.get(name)
    except (KeyError, FileNotFoundError) as exc:
        raise Http404(f"No existe el vocabulario «{name}» / no such vocabulary") from exc
    return {
        "name": name,
        "label_es": v.meta.get("label_es", name),
        "label_en": v.meta.get("label_en", name),
        "version": v.version,
        "special_codes": [_term(t) for t in SPECIAL_TERMS],
        "terms": [_term(t) for t in v.terms],
    }


api.add_router("/cases", cases_router)
api.add_router("/vocabularies", vocab_router)

# Routers of other parts, mounted when their modules exist.
OPTIONAL_ROUTERS = (
    ("/stats/", "nanduti.stats.api"),
    ("/monitoring/", "nanduti.monitoring.api"),
    ("/figures/", "nanduti.figures.api"),
    ("/public-reports/", "nanduti.public_reports.api"),
)
for prefix, module_name in OPTIONAL_ROUTERS:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    router = getattr(module, "router", None)
    if router is not None:
        api.add_router(prefix, router)
    else:
        log.warning("%s has no `router`; not mounted", module_name)
