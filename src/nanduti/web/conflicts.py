"""What a conflict page shows: the user's version of a case beside the stored one.

Used when someone saved the case while the user was editing it (optimistic concurrency,
``registry.concurrency``): each case field and each list of children that differ, in
words (vocabulary labels, not codes).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nanduti.taxonomy import labels
from nanduti.web.forms import CodeChoiceField, CodeMultipleField, VictimForm


def _shown(field: forms.Field, value) -> str:
    if value in (None, "", [], ()):
        return "—"
    language = labels.language()
    if isinstance(field, CodeMultipleField):
        return ", ".join(labels.code_label(field.vocabulary, v, language) for v in value)
    if isinstance(field, CodeChoiceField):
        return labels.code_label(field.vocabulary, value, language)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "name", value))


def _row(form_fields: dict, values: dict) -> str:
    parts = []
    for name, field in form_fields.items():
        if name in VictimForm.IDENTIFYING or name in ("id", "DELETE", "case"):
            continue  # identifying data never goes on a comparison page
        shown = _shown(field, values.get(name))
        if shown != "—":
            parts.append(f"{labels.in_language(str(field.label or name))}: {shown}")
    return "; ".join(parts) or "—"


def _stored_case_values(form: forms.ModelForm, stored) -> dict:
    values = {name: getattr(stored, name, None) for name in form.fields}
    values["exploitation_types"] = sorted(e.type for e in stored.exploitations.all() if e.type)
    return values


SECTION_LABELS = {
    "technologies": _("Tecnologías usadas"),
    "victims": _("Víctimas"),
    "perpetrators": _("Perpetradores"),
    "referrals": _("Derivaciones"),
    "assistance": _("Asistencia"),
}


def _submitted_rows(formset) -> list[str]:
    fields = formset.empty_form.fields
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue  # the blank row offered for a new entry
        rows.append(_row(fields, data))
    return rows


def _stored_rows(formset, stored) -> list[str]:
    fields = formset.empty_form.fields
    # The formsets' prefixes are the related names of the case's children.
    children = getattr(stored, formset.prefix).order_by("id")
    return [_row(fields, {name: getattr(c, name, None) for name in fields}) for c in children]


def differences(form, formsets: dict, stored) -> list[dict]:
    """Rows of {label, yours, stored} where the user's submission and the stored case
    disagree. ``form`` and ``formsets`` must have been validated."""
    rows = []
    stored_values = _stored_case_values(form, stored)
    for name, field in form.fields.items():
        yours = form.cleaned_data.get(name)
        if name == "exploitation_types":
            yours = sorted(yours or [])
        yours, theirs = _shown(field, yours), _shown(field, stored_values.get(name))
        if yours != theirs:
            rows.append({"label": field.label, "yours": yours, "stored": theirs})
    for prefix, formset in formsets.items():
        mine, kept = _submitted_rows(formset), _stored_rows(formset, stored)
        if sorted(mine) != sorted(kept):
            rows.append(
                {
                    "label": SECTION_LABELS.get(prefix, prefix),
                    "yours": "\n".join(mine) or "—",
                    "stored": "\n".join(kept) or "—",
                }
            )
    return rows
