"""Readable audit history of a case: who, when, what changed (labels, not codes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps

from nanduti.registry.audit import HIDDEN
from nanduti.registry.models import AuditEvent, Case, ImportBatch
from nanduti.taxonomy import labels

MODEL_NAMES = {
    "case": ("Caso", "Case"),
    "victim": ("Víctima", "Victim"),
    "perpetrator": ("Perpetrador/a", "Perpetrator"),
    "technologyuse": ("Tecnología", "Technology"),
    "exploitation": ("Explotación", "Exploitation"),
    "referral": ("Derivación", "Referral"),
    "assistance": ("Asistencia", "Assistance"),
}
ACTIONS = {
    "create": ("creó", "created"),
    "update": ("modificó", "changed"),
    "delete": ("eliminó", "deleted"),
    "import": ("importó", "imported"),
}
SKIPPED = {"id", "case_id", "created_at", "updated_at", "created_by_id", "institution_id"}


@dataclass
class Change:
    field: str
    old: str
    new: str
    hidden: bool


@dataclass
class HistoryRow:
    at: datetime
    actor: str
    action: str
    what: str
    object_id: str
    changes: list[Change]
    note: str = ""  # for an import: the batch, file, user and date


def _field(model_name: str, attname: str):
    try:
        model = apps.get_model("registry", model_name)
    except LookupError:
        return None
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    return None


# Fields not on the web forms, named here for the history.
OTHER_LABELS = {
    "reference": ("Número", "Number"),
    "source": ("Fuente", "Source"),
    "synthetic": ("Sintético", "Synthetic"),
    "source_url": ("Enlace", "Link"),
    "age_band_ctdc": ("Franja de edad (CTDC)", "Age band (CTDC)"),
    "exploitation_country": ("País de explotación", "Country of exploitation"),
    "victim_id": ("Víctima", "Victim"),
}


def field_label(model_name: str, attname: str, field, lang: str = "es") -> str:
    from nanduti.web.forms import FORM_FOR_MODEL

    form = FORM_FOR_MODEL.get(model_name)
    form_field = form.base_fields.get(attname.removesuffix("_id")) if form else None
    if form_field is not None and form_field.label:
        # "Categoría (si no se conoce la plataforma)" → "Categoría": hints are for forms.
        return str(form_field.label).split(" (")[0]
    if attname in OTHER_LABELS:
        return OTHER_LABELS[attname][1 if lang == "en" else 0]
    return str(field.verbose_name) if field is not None else attname


def _show(field, value, lang: str) -> str:
    if value in (None, "", []):
        return "—"
    vocabulary = getattr(field, "vocabulary", "")
    if vocabulary:
        return labels.code_label(vocabulary, str(value), lang)
    if isinstance(value, bool):
        return ("Yes" if value else "No") if lang == "en" else ("Sí" if value else "No")
    if field is not None and field.choices:
        return labels.in_language(dict(field.choices).get(value, value), lang)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _in_ranges(case_id: int, ranges) -> bool:
    return any(first <= case_id <= last for first, last in ranges or ())


def _import_rows(case_id: int, lang: str) -> list[HistoryRow]:
    """The imports that created or updated the case: the importer writes one audit event
    per batch with the case ids as ranges, so the case's events do not name them."""
    case = Case.objects.filter(pk=case_id).values("institution_id", "import_batch_id").first()
    if case is None:
        return []
    i = 1 if lang == "en" else 0
    events = AuditEvent.objects.filter(
        action="import", model="case", case__isnull=True, institution_id=case["institution_id"]
    ).select_related("actor")
    rows = []
    for ev in events:
        changes = ev.changes or {}
        if _in_ranges(case_id, changes.get("created")):
            action = ("importó (creó)", "imported (created)")[i]
        elif _in_ranges(case_id, changes.get("updated")):
            action = ("importó (modificó)", "imported (changed)")[i]
        else:
            continue
        batch_id = changes.get("batch")
        batch = ImportBatch.objects.filter(pk=batch_id).first() if batch_id is not None else None
        name = batch.original_name if batch else changes.get("file", "")
        when = batch.created_at if batch else ev.at
        user = ev.actor.get_username() if ev.actor else "—"
        words = ("importado en el lote", "imported in batch")[i]
        rows.append(
            HistoryRow(
                at=ev.at,
                actor=user,
                action=action,
                what=MODEL_NAMES["case"][i],
                object_id=str(case_id),
                changes=[],
                note=f"{words} {changes.get('batch')} ({name}, {user}, {when:%Y-%m-%d %H:%M})",
            )
        )
    return rows


def history(case_id: int, lang: str) -> list[HistoryRow]:
    i = 1 if lang == "en" else 0
    rows = _import_rows(case_id, lang)
    events = AuditEvent.objects.filter(case_id=case_id).select_related("actor")
    events = events.order_by("-at", "-id")
    for ev in events:
        changes = []
        for attname, pair in sorted((ev.changes or {}).items()):
            if attname in SKIPPED or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            field = _field(ev.model, attname)
            hidden = bool(getattr(field, "encrypted", False)) or HIDDEN in pair
            name = field_label(ev.model, attname, field, lang)
            old, new = (
                ("", "") if hidden else (_show(field, pair[0], lang), _show(field, pair[1], lang))
            )
            changes.append(Change(name, old, new, hidden))
        rows.append(
            HistoryRow(
                at=ev.at,
                actor=ev.actor.get_username() if ev.actor else "—",
                action=ACTIONS.get(ev.action, (ev.action, ev.action))[i],
                what=MODEL_NAMES.get(ev.model, (ev.model, ev.model))[i],
                object_id=ev.object_id,
                changes=changes,
            )
        )
    return sorted(rows, key=lambda r: r.at, reverse=True)
