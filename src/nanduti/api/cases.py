"""Reading and writing cases for the API: validation, nested children, serialisation.

Every save goes through the models, so each change is audited with the token's user.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from nanduti.api.schemas import CaseFields
from nanduti.registry import permissions, schema
from nanduti.registry.audit import acting_as
from nanduti.registry.io.bundles import LIST_FIELDS
from nanduti.registry.models import Case, Exploitation, Perpetrator, TechnologyUse, Victim
from nanduti.web import labels
from nanduti.web.forms import age_band_for
from nanduti.web.references import next_reference

CHILDREN = {
    "victims": Victim,
    "technologies": TechnologyUse,
    "exploitations": Exploitation,
    "perpetrators": Perpetrator,
}
IDENTIFYING = ("full_name", "document_number", "phone", "birth_date")


class InvalidInput(ValueError):
    """A bilingual message naming the field."""


class Forbidden(PermissionError):
    pass


def _check_codes(model, values: dict, where: str) -> None:
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - not a model field (nested lists, identifying)
            continue
        vocabulary = getattr(field, "vocabulary", "")
        if vocabulary and value and not labels.is_valid(vocabulary, value):
            raise InvalidInput(
                f"{where}{name}: «{value}» no es un código de {vocabulary} / "
                f"is not a {vocabulary} code"
            )


# Case fields holding several codes → their vocabulary, as the import schema declares them.
CODE_LISTS = {name: schema.BY_NAME[name].vocabulary for name in LIST_FIELDS}


def _check_code_lists(scalar: dict) -> None:
    for name, vocabulary in CODE_LISTS.items():
        for code in scalar.get(name) or []:
            if not labels.is_valid(vocabulary, code):
                raise InvalidInput(
                    f"{name}: «{code}» no es un código de {vocabulary} / is not a {vocabulary} code"
                )


def _prepare_child(name: str, item: dict, user, case: Case) -> dict:
    values = {k: v for k, v in item.items() if k not in ("id", "identifying")}
    if name == "victims":
        identifying = item.get("identifying")
        if identifying:
            if case.pk and not permissions.can_see_identifying(user, case):
                raise Forbidden(
                    "Solo la institución responsable puede registrar datos identificatorios / "
                    "only the owning institution may record identifying data"
                )
            values.update({k: v or "" for k, v in identifying.items() if k in IDENTIFYING})
        if values.get("age") is not None and not values.get("age_band"):
            values["age_band"] = age_band_for(values["age"])
    platform = values.get("platform") if name == "technologies" else ""
    if platform and platform not in labels.SPECIAL and not values.get("technology"):
        values["technology"] = labels.parent_of("platform", values["platform"])
    return values


def _sync_children(case: Case, name: str, items: list[dict], user) -> None:
    model = CHILDREN[name]
    existing = {obj.pk: obj for obj in getattr(case, name).all()}
    kept = set()
    used_refs = {v.reference for v in existing.values()} if name == "victims" else set()
    for position, item in enumerate(items, start=1):
        values = _prepare_child(name, item, user, case)
        _check_codes(model, values, f"{name}[{position}].")
        if item.get("id") is not None:
            obj = existing.get(item["id"])
            if obj is None:
                raise InvalidInput(
                    f"{name}[{position}].id: {item['id']} no pertenece a este caso / "
                    "does not belong to this case"
                )
            kept.add(obj.pk)
        else:
            obj = model(case=case)
            if name == "victims":
                n = 1
                while str(n) in used_refs:
                    n += 1
                obj.reference = str(n)
                used_refs.add(obj.reference)
        for key, value in values.items():
            setattr(obj, key, "" if value is None and key != "age" else value)
        obj.save()
    for pk, obj in existing.items():
        if pk not in kept:
            obj.delete()


def save_case(user, data: dict, case: Case | None = None) -> Case:
    """Create (``case`` None) or update a case of the user's institution from API data."""
    institution_id = permissions.institution_id(user)
    if case is None:
        case = Case(institution_id=institution_id, created_by=user)
    elif not permissions.can_edit(user, case):
        raise Forbidden("No puede modificar este caso / you may not change this case")
    scalar = {k: v for k, v in data.items() if k not in CHILDREN}
    _check_codes(Case, scalar, "")
    _check_code_lists(scalar)
    reference = (scalar.pop("reference", None) or "").strip()
    if reference:
        clash = Case.objects.filter(institution_id=institution_id, reference=reference)
        if clash.exclude(pk=case.pk).exists():
            raise InvalidInput(
                f"reference: ya existe un caso «{reference}» / a case «{reference}» already exists"
            )
        case.reference = reference
    for key, value in scalar.items():
        setattr(case, key, value if value is not None or key in ("year", "reported_on") else "")
    with acting_as(user), transaction.atomic():
        if not case.reference:
            year = case.year or (case.reported_on.year if case.reported_on else None)
            case.reference = next_reference(case.institution, year or timezone.now().year)
        case.save()
        for name in CHILDREN:
            if data.get(name) is not None:
                _sync_children(case, name, data[name], user)
    return case


def delete_case(user, case: Case) -> None:
    if not permissions.can_edit(user, case):
        raise Forbidden("No puede eliminar este caso / you may not delete this case")
    with acting_as(user), transaction.atomic():
        for name in CHILDREN:
            for child in getattr(case, name).all():
                child.delete()
        case.delete()


CASE_FIELDS = tuple(name for name in CaseFields.model_fields)


def serialize(case: Case, show_identifying: bool) -> dict:
    """A case as the API returns it (children must be prefetched for lists)."""
    out = {name: getattr(case, name) for name in CASE_FIELDS}
    out.update(
        id=case.pk,
        reference=case.reference,
        institution=case.institution.code,
        source=case.source,
        synthetic=case.synthetic,
        created_at=case.created_at,
        updated_at=case.updated_at,
        victims=[
            {
                "id": v.pk,
                "reference": v.reference,
                "sex": v.sex,
                "age": v.age,
                "age_band": v.age_band,
                "nationality": v.nationality,
                "residence_department": v.residence_department,
                "recruiter_relation": v.recruiter_relation,
                "identifying": {k: getattr(v, k) for k in IDENTIFYING}
                if show_identifying
                else None,
            }
            for v in case.victims.all()
        ],
        technologies=[
            {
                "id": t.pk,
                "phase": t.phase,
                "platform": t.platform,
                "technology": t.technology,
                "detail": t.detail,
            }
            for t in case.technologies.all()
        ],
        exploitations=[
            {"id": e.pk, "type": e.type, "setting": e.setting} for e in case.exploitations.all()
        ],
        perpetrators=[
            {
                "id": p.pk,
                "role": p.role,
                "relation_to_victim": p.relation_to_victim,
                "sex": p.sex,
                "nationality": p.nationality,
            }
            for p in case.perpetrators.all()
        ],
    )
    return out
