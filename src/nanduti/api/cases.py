"""Reading and writing cases for the API: validation, nested children, serialisation.

Every save goes through the models, so each change is audited with the token's user.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from nanduti.api.schemas import CaseFields
from nanduti.registry import permissions, schema
from nanduti.registry.audit import acting_as
from nanduti.registry.concurrency import lock_case
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


def _next_victim_reference(used: set[str]) -> str:
    n = 1
    while str(n) in used:
        n += 1
    used.add(str(n))
    return str(n)


def _merge_children(case: Case, name: str, items: list[dict], user) -> None:
    """Items with an id update that child (only the fields they name); items without one
    are added. Children not mentioned are kept: deleting takes an explicit ``remove``."""
    model = CHILDREN[name]
    existing = {obj.pk: obj for obj in getattr(case, name).all()}
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
        else:
            obj = model(case=case)
            if name == "victims":
                obj.reference = _next_victim_reference(used_refs)
        for key, value in values.items():
            setattr(obj, key, "" if value is None and key != "age" else value)
        obj.save()


def _remove_children(case: Case, removals: dict) -> None:
    for name, ids in removals.items():
        found = {obj.pk: obj for obj in getattr(case, name).filter(pk__in=ids)}
        for child_id in ids:
            if child_id not in found:
                raise InvalidInput(
                    f"remove.{name}: {child_id} no pertenece a este caso / "
                    "does not belong to this case"
                )
            found[child_id].delete()


def save_case(
    user, data: dict, case_id: int | None = None, expected_version: int | None = None
) -> Case:
    """Create (``case_id`` None) or update a case of the user's institution from API data.

    An update locks the case and applies only the fields in ``data`` to the stored row;
    with ``expected_version`` it is refused (StaleVersion) if the case changed since.
    """
    institution_id = permissions.institution_id(user)
    scalar = {k: v for k, v in data.items() if k not in CHILDREN and k != "remove"}
    _check_codes(Case, scalar, "")
    _check_code_lists(scalar)
    reference = (scalar.pop("reference", None) or "").strip()
    with acting_as(user), transaction.atomic():
        if case_id is None:
            case = Case(institution_id=institution_id, created_by=user)
        else:
            case = lock_case(case_id, expected_version)
            if not permissions.can_edit(user, case):
                raise Forbidden("No puede modificar este caso / you may not change this case")
        if reference:
            clash = Case.objects.filter(institution_id=institution_id, reference=reference)
            if clash.exclude(pk=case.pk).exists():
                raise InvalidInput(
                    f"reference: ya existe un caso «{reference}» / "
                    f"a case «{reference}» already exists"
                )
            case.reference = reference
        for key, value in scalar.items():
            keep_none = key in ("year", "reported_on")
            setattr(case, key, value if value is not None or keep_none else "")
        if not case.reference:
            year = case.year or (case.reported_on.year if case.reported_on else None)
            case.reference = next_reference(case.institution, year or timezone.now().year)
        case.save()
        _remove_children(case, {k: v for k, v in (data.get("remove") or {}).items() if v})
        for name in CHILDREN:
            if data.get(name):
                _merge_children(case, name, data[name], user)
    return case


def delete_case(user, case_id: int, expected_version: int | None = None) -> None:
    with acting_as(user), transaction.atomic():
        case = lock_case(case_id, expected_version)
        if not permissions.can_edit(user, case):
            raise Forbidden("No puede eliminar este caso / you may not delete this case")
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
        version=case.version,
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
