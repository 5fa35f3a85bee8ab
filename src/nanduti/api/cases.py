"""Reading and writing cases for the API: validation, nested children, serialisation.

Every write goes through the registry's service (``registry.services``), which audits it
with the token's user in the write's transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F as FieldRef
from django.db.models import TextField
from django.db.models.functions import Cast

from nanduti.api.schemas import CaseFields
from nanduti.registry import fields, permissions, schema, services
from nanduti.registry.models import Case, Exploitation, Perpetrator, TechnologyUse, Victim
from nanduti.taxonomy import vocab

CHILDREN: dict[str, type[Victim | TechnologyUse | Exploitation | Perpetrator]] = {
    "victims": Victim,
    "technologies": TechnologyUse,
    "exploitations": Exploitation,
    "perpetrators": Perpetrator,
}
IDENTIFYING = Victim.IDENTIFYING_FIELDS
# Alias under which ``read`` selects an identifying column as stored (a Cast has no
# decrypting converter; an alias may not repeat a field's name).
_STORED = "stored_"


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
        if vocabulary and value and value not in vocab.get(vocabulary):
            raise InvalidInput(
                f"{where}{name}: «{value}» no es un código de {vocabulary} / "
                f"is not a {vocabulary} code"
            )


# Case fields holding several codes → their vocabulary, as the import schema declares them.
CODE_LISTS = {name: schema.BY_NAME[name].vocabulary for name in ("provisions", "means_of_control")}


def _check_code_lists(scalar: dict) -> None:
    for name, vocabulary in CODE_LISTS.items():
        for code in scalar.get(name) or []:
            if code and code not in vocab.get(vocabulary):
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
            values["age_band"] = vocab.age_band(values["age"])
    platform = values.get("platform") if name == "technologies" else ""
    if platform and platform not in vocab.SPECIAL_CODES and not values.get("technology"):
        term = vocab.get("platform").get(platform)
        values["technology"] = term.parent if term is not None else ""
    return values


def _merged_children(case: Case, name: str, items: list[dict], user) -> list:
    """Items with an id update that child (only the fields they name); items without one
    are added. Children not mentioned are kept: deleting takes an explicit ``remove``."""
    model = CHILDREN[name]
    existing = {obj.pk: obj for obj in getattr(case, name).all()} if case.pk else {}
    out = []
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
            obj = Victim(reference="") if model is Victim else model()
        for key, value in values.items():
            setattr(obj, key, "" if value is None and key != "age" else value)
        out.append(obj)
    return out


def _removed_children(case: Case, removals: dict) -> list:
    out = []
    for name, ids in removals.items():
        found = {obj.pk: obj for obj in getattr(case, name).filter(pk__in=ids)}
        for child_id in ids:
            if child_id not in found:
                raise InvalidInput(
                    f"remove.{name}: {child_id} no pertenece a este caso / "
                    "does not belong to this case"
                )
            out.append(found[child_id])
    return out


def save_case(
    user, data: dict, case_id: int | None = None, expected_version: int | None = None
) -> Case:
    """Create (``case_id`` None) or update a case of the user's institution from API data.

    An update locks the case and applies only the fields in ``data`` to the stored row;
    with ``expected_version`` it is refused (StaleVersion) if the case changed since.
    """
    institution_id = permissions.institution_id(user)
    if institution_id is None:  # the API answers 403 before; any other caller is refused too
        raise Forbidden("Sin institución no escribe casos / without an institution, no cases")
    scalar = {k: v for k, v in data.items() if k not in CHILDREN and k != "remove"}
    _check_codes(Case, scalar, "")
    _check_code_lists(scalar)
    reference = (scalar.pop("reference", None) or "").strip()
    with transaction.atomic():
        if case_id is None:
            case = Case(institution_id=institution_id)
        else:
            case = services.lock_case(case_id, expected_version)
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
        removed = _removed_children(
            case, {k: v for k, v in (data.get("remove") or {}).items() if v}
        )
        children = [
            child
            for name in CHILDREN
            if data.get(name)
            for child in _merged_children(case, name, data[name], user)
        ]
        return services.save_case(case, actor=user, children=children, removed=removed)


def delete_case(user, case_id: int, expected_version: int | None = None) -> None:
    with transaction.atomic():
        case = services.lock_case(case_id, expected_version)
        if not permissions.can_edit(user, case):
            raise Forbidden("No puede eliminar este caso / you may not delete this case")
        services.delete_case(case, actor=user)


CASE_FIELDS = tuple(name for name in CaseFields.model_fields)


# What an answer carries of each child (``id`` first); victims' identifying fields only
# for the owning institution.
CHILD_FIELDS = {
    "victims": ("id", "reference", *Victim.DESCRIBING_FIELDS),
    "technologies": ("id", "phase", "platform", "technology", "detail"),
    "exploitations": ("id", "type", "setting"),
    "perpetrators": ("id", "role", "relation_to_victim", "sex", "nationality"),
}
CASE_COLUMNS = tuple(
    dict.fromkeys(
        (*CASE_FIELDS, "id", "version", "reference", "source", "synthetic")
        + ("created_at", "updated_at")
    )
)


def serialize(cases, show_identifying: bool) -> list[dict]:
    """Cases as the API returns them, in the queryset's order."""
    return with_identifying(read(cases, show_identifying))


def read(cases, show_identifying: bool) -> list[dict]:
    """Cases as the API returns them, read as values: one query per kind of children and
    no model instance per case or child (a page of 50 cases has about 300), which was most
    of the list's time. Identifying fields are read only when they are returned, and as
    stored (encrypted): the result may be kept in a cache and ``with_identifying``
    decrypts them for each answer."""
    out = list(cases.values(*CASE_COLUMNS, institution_code=FieldRef("institution__code")))
    for case in out:
        case["institution"] = case.pop("institution_code")
    by_id = {case["id"]: case for case in out}
    stored = {_STORED + name: Cast(name, TextField()) for name in IDENTIFYING}
    for name, model in CHILDREN.items():
        for case in out:
            case[name] = []
        extra = stored if name == "victims" and show_identifying else {}
        children = model.objects.filter(case_id__in=by_id).order_by("id")
        for child in children.values("case_id", *CHILD_FIELDS[name], **extra):
            case_id = child.pop("case_id")
            if name == "victims":
                identifying = {k: child.pop(_STORED + k) for k in IDENTIFYING if extra}
                child["identifying"] = identifying if show_identifying else None
            by_id[case_id][name].append(child)
    return out


def with_identifying(cases: list[dict]) -> list[dict]:
    """``read``'s cases with their victims' identifying fields decrypted (in place)."""
    for case in cases:
        for victim in case["victims"]:
            if victim["identifying"]:
                victim["identifying"] = {
                    k: fields.decrypt(v) if v else "" for k, v in victim["identifying"].items()
                }
    return cases
