"""API: the cross-tab endpoint (mounted by the web app at /api/stats/ with token auth)."""

from __future__ import annotations

import json

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from nanduti.registry import permissions
from nanduti.stats import export, fields, publish
from nanduti.stats.dp import PrivacyError

router = Router(tags=["stats"])


class CrossTabQuery(Schema):
    by: str
    filter: list[str] = []
    count: str = "cases"
    privacy: str | None = None  # exact for whoever may see it, else cell-key
    threshold: int | None = None
    epsilon: float | None = None
    scope: str = "all"
    language: str = "es"
    confirm: bool = False  # dp: spend the budget; without it the answer is the cost only


@router.get("/fields", summary="Campos de las tablas cruzadas / cross-tab fields")
def list_fields(request):
    return fields.catalogue()


@router.get("/crosstab", summary="Tabla cruzada con control de divulgación / cross-tab")
def crosstab_endpoint(request, q: Query[CrossTabQuery]):
    user = getattr(request, "auth", None) or request.user
    if not hasattr(user, "is_authenticated"):
        user = request.user
    scope, label = None, "all"
    own = permissions.institution_id(user)
    if q.scope == "own" and own is not None:
        scope, label = {"institution_id": own}, str(own)
    if q.privacy == "dp" and not q.confirm:
        try:
            cost = publish.quote(q.by, q.count, q.filter, q.epsilon, user, scope, label)
        except fields.FieldError as error:
            raise HttpError(400, str(error)) from error
        return {"released": False, "quote": {**cost.__dict__, "remaining": cost.remaining}}
    try:
        result = publish.produce(
            q.by,
            q.count,
            q.filter,
            q.privacy,
            q.threshold,
            q.epsilon,
            user=user,
            scope=scope,
            scope_label=label,
            actor=f"api:{getattr(user, 'username', '')}",
        )
    except publish.PermissionDenied as error:
        raise HttpError(403, str(error)) from error
    except (fields.FieldError, PrivacyError) as error:
        raise HttpError(400, str(error)) from error
    return json.loads(export.to_json(result, q.language))
