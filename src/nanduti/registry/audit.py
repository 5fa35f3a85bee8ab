"""The audit trail: who created, changed or deleted what, and when.

Models that inherit :class:`Audited` write an ``AuditEvent`` on every save and delete.
The actor comes from the request (middleware) or from :func:`acting_as` in commands.
Identifying (encrypted) fields are recorded as changed, never with their values.
Bulk paths (the importer) write their events with :func:`record_many`.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.db import models

_actor: contextvars.ContextVar = contextvars.ContextVar("nanduti_audit_actor", default=None)
HIDDEN = "«cifrado / encrypted»"


@contextmanager
def acting_as(user):
    token = _actor.set(user if user is not None and user.is_authenticated else None)
    try:
        yield
    finally:
        _actor.reset(token)


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


def snapshot(instance: models.Model) -> dict:
    values = {}
    for f in instance._meta.concrete_fields:
        if f.attname in instance.__dict__ and getattr(f, "audited", True):
            value = getattr(instance, f.attname)
            values[f.attname] = (
                HIDDEN if getattr(f, "encrypted", False) and value else _plain(value)
            )
    return values


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


def event(instance: models.Model, action: str, changes: dict):
    from nanduti.registry.models import AuditEvent

    return AuditEvent(
        actor=current_actor(),
        institution_id=_institution_of(instance),
        action=action,
        model=instance._meta.model_name,
        object_id=str(instance.pk),
        case_id=_case_of(instance),
        changes=changes,
    )


def record(instance: models.Model, action: str, changes: dict | None = None) -> None:
    event(instance, action, changes or {}).save()


def record_many(instances, action: str, extra: dict | None = None) -> None:
    from nanduti.registry.models import AuditEvent

    AuditEvent.objects.bulk_create(
        [event(i, action, dict(extra or {})) for i in instances], batch_size=2000
    )


class Audited(models.Model):
    """Writes an audit event on save and delete; remembers values as loaded."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        creating = self._state.adding
        super().save(*args, **kwargs)
        after = snapshot(self)
        if creating:
            record(
                self, "create", {k: [None, v] for k, v in after.items() if v not in ("", None, [])}
            )
        else:
            before = getattr(self, "_loaded", {})
            changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
            for name, old in getattr(self, "_loaded_raw", {}).items():
                if getattr(self, name) != old:
                    changes[name] = [HIDDEN, HIDDEN]
            changes.pop("updated_at", None)
            if changes:
                record(self, "update", changes)
        self._loaded = after
        self._loaded_raw = {
            f.attname: getattr(self, f.attname)
            for f in self._meta.concrete_fields
            if getattr(f, "encrypted", False)
        }

    def delete(self, *args, **kwargs):
        record(self, "delete", {})
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = snapshot(instance)
        instance._loaded_raw = {
            f.attname: getattr(instance, f.attname)
            for f in cls._meta.concrete_fields
            if getattr(f, "encrypted", False) and f.attname in instance.__dict__
        }
        return instance
