"""The audit trail: who created, changed or deleted what, and when.

Nothing is audited implicitly (no ``save()`` override, no signal): whoever changes the
registry writes its events, in the transaction of the change. Cases and their children are
written by :mod:`nanduti.registry.services` (an event per object, or one per import batch);
other parts record their own actions (exports, key rotation, linkage runs, review decisions)
with :func:`record`. The actor comes from the request (middleware) or from :func:`acting_as`
in commands, unless the writer names it. Identifying (encrypted) fields are recorded as
changed, never with their values.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.db import models

from nanduti.registry.models import AuditEvent

_actor: contextvars.ContextVar = contextvars.ContextVar("nanduti_audit_actor", default=None)
HIDDEN = "«cifrado / encrypted»"
# Written by the registry itself on every save: they say when, not what changed.
BOOKKEEPING = frozenset({"updated_at", "version", "content_hash"})


@contextmanager
def acting_as(user):
    token = _actor.set(_person(user))
    try:
        yield
    finally:
        _actor.reset(token)


def _person(user):
    return user if user is not None and user.is_authenticated else None


def who(actor=None):
    """The actor an event names: ``actor`` when given (None if anonymous), else the current one."""
    return _person(actor) if actor is not None else current_actor()


def current_actor():
    return _actor.get()


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _audited_fields(instance: models.Model):
    return [
        f
        for f in instance._meta.concrete_fields
        if getattr(f, "audited", True) and f.attname not in BOOKKEEPING
    ]


def created(instance: models.Model) -> dict:
    """The values of a new object, as ``{field: [None, value]}`` (blank ones left out)."""
    out = {}
    for f in _audited_fields(instance):
        value = getattr(instance, f.attname)
        if value in ("", None, [], {}):
            continue
        out[f.attname] = [None, HIDDEN if getattr(f, "encrypted", False) else _plain(value)]
    return out


def changed(before: models.Model, after: models.Model) -> dict:
    """``{field: [old, new]}`` for each field that differs; encrypted ones as HIDDEN."""
    out = {}
    for f in _audited_fields(after):
        old, new = getattr(before, f.attname), getattr(after, f.attname)
        if old != new:
            hidden = getattr(f, "encrypted", False)
            out[f.attname] = [HIDDEN, HIDDEN] if hidden else [_plain(old), _plain(new)]
    return out


def _case_of(instance):
    case_id = getattr(instance, "case_id", None)
    if case_id is None and instance._meta.model_name == "case":
        case_id = instance.pk
    return case_id


def _institution_of(instance):
    if hasattr(instance, "institution_id"):
        return instance.institution_id
    case = getattr(instance, "case", None)
    return getattr(case, "institution_id", None)


def event(instance: models.Model, action: str, changes: dict, actor=None) -> AuditEvent:
    """An unsaved event about ``instance``; the actor defaults to the current one."""
    return AuditEvent(
        actor=who(actor),
        institution_id=_institution_of(instance),
        action=action,
        model=instance._meta.model_name or "",  # set on every registered model
        object_id=str(instance.pk),
        case_id=_case_of(instance),
        changes=changes,
    )


def record(instance: models.Model, action: str, changes: dict | None = None, actor=None):
    """Write one event now (call it inside the transaction of the change it records)."""
    entry = event(instance, action, changes or {}, actor)
    entry.save()
    return entry
