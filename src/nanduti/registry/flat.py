"""A case as plain data (:class:`CaseBundle`) between flat rows of the schema (one per
victim) and the database: the importer groups rows into bundles (``io.grouping``) and
writes them (``io.writing``); the exporter reads cases into bundles and writes them as
flat rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from nanduti.registry import schema

# Column → Case attribute: the same name (institution and reference are the bundle's own).
CASE_FIELDS = {
    c.name: c.name
    for c in schema.COLUMNS
    if c.level == "case" and c.name not in ("institution", "case_reference", "exploitation_types")
}
VICTIM_FIELDS = {
    "victim_reference": "reference",
    "victim_sex": "sex",
    "victim_age": "age",
    "victim_age_band": "age_band",
    "victim_age_band_ctdc": "age_band_ctdc",
    "victim_nationality": "nationality",
    "victim_residence_department": "residence_department",
    "recruiter_relation": "recruiter_relation",
    "victim_ctdc": "ctdc",
    "victim_name": "full_name",
    "victim_document": "document_number",
    "victim_phone": "phone",
    "victim_birth_date": "birth_date",
}
IDENTIFYING = {"full_name", "document_number", "phone", "birth_date"}
PHASE_COLUMNS = {f"platforms_{phase}": phase for phase in schema.PHASES}
PERPETRATOR_ATTRS = (
    ("perpetrator_roles", "role"),
    ("perpetrator_sexes", "sex"),
    ("perpetrator_nationalities", "nationality"),
)
EMPTY_VALUES: tuple[object, ...] = ("", None, [], False)
LIST_FIELDS = ("provisions", "means_of_control")  # case fields holding several codes


@dataclass
class VictimPart:
    fields: dict
    technologies: list[tuple[str, str, str]] = field(default_factory=list)  # phase, tech, platform
    assistance: list[str] = field(default_factory=list)
    row: int = 0  # the file row it came from

    @property
    def is_victim(self) -> bool:
        return len(self.fields) > ("reference" in self.fields)  # fields hold no empty values


@dataclass
class CaseBundle:
    institution: str
    reference: str
    fields: dict = field(default_factory=dict)
    exploitation_types: list[str] = field(default_factory=list)
    perpetrators: list[dict] = field(default_factory=list)
    referred_from: str = ""
    referred_to: list[str] = field(default_factory=list)
    parts: list[VictimPart] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # row_text of each row added, in order
    digest: str = ""  # content_hash, once every row is in (the texts are then dropped)

    @property
    def key(self) -> tuple[str, str]:
        return (self.institution, self.reference)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):  # a CTDC record, written as it is read (JSON)
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _canonical_parts(parts: list[VictimPart]) -> list[VictimPart]:
    """Technologies and assistance of rows without a victim belong to the case; they are
    written on the first victim's row (as the database gives them back)."""
    victims = [p for p in parts if p.is_victim]
    loose = [p for p in parts if not p.is_victim]
    if not victims:
        merged = VictimPart({})
        for part in loose:
            merged.technologies.extend(part.technologies)
            merged.assistance.extend(part.assistance)
        return [merged]
    if loose:
        first = victims[0]
        victims[0] = VictimPart(
            first.fields,
            first.technologies + [t for p in loose for t in p.technologies],
            first.assistance + [a for p in loose for a in p.assistance],
        )
    return victims


def flat_rows(bundle: CaseBundle, include_identifying: bool = True) -> list[dict[str, str]]:
    """The bundle as flat rows of the schema (column name → text), one per victim."""
    case = {"institution": bundle.institution, "case_reference": bundle.reference}
    for column, attr in CASE_FIELDS.items():
        value = bundle.fields.get(attr)
        case[column] = "|".join(value) if isinstance(value, list) else _text(value)
    case["exploitation_types"] = "|".join(bundle.exploitation_types)
    for column, attr in PERPETRATOR_ATTRS:
        case[column] = "|".join(p.get(attr, "") for p in bundle.perpetrators).rstrip("|")
        if not any(p.get(attr) for p in bundle.perpetrators):
            case[column] = ""
    case["referred_from"] = bundle.referred_from or ""
    case["referred_to"] = "|".join(bundle.referred_to)
    rows = []
    for part in _canonical_parts(bundle.parts):
        row = dict(case)
        for column, attr in VICTIM_FIELDS.items():
            if attr in IDENTIFYING and not include_identifying:
                row[column] = ""
            else:
                row[column] = _text(part.fields.get(attr))
        if not part.is_victim:
            row["victim_reference"] = ""
        for column, phase in PHASE_COLUMNS.items():
            row[column] = "|".join(p or t for ph, t, p in part.technologies if ph == phase)
        row["assistance_types"] = "|".join(part.assistance)
        rows.append(row)
    return rows


def prefetch(queryset):
    """A case queryset with everything :func:`bundle_of` reads, in a few queries per chunk."""
    return queryset.select_related("institution").prefetch_related(
        "victims",
        "technologies",
        "exploitations",
        "perpetrators",
        "referrals__from_institution",
        "referrals__to_institution",
        "assistance",
    )


def bundle_of(case) -> CaseBundle:
    """A case read from the database (with :func:`prefetch`) as a bundle."""
    bundle = CaseBundle(case.institution.code, case.reference)
    for attr in CASE_FIELDS.values():
        value = getattr(case, attr)
        if value not in EMPTY_VALUES:
            bundle.fields[attr] = list(value) if attr in LIST_FIELDS else value
    victims = sorted(case.victims.all(), key=lambda v: v.pk)
    parts = {}
    for victim in victims:
        fields = {attr: getattr(victim, attr) for attr in VICTIM_FIELDS.values()}
        parts[victim.pk] = VictimPart({k: v for k, v in fields.items() if v not in ("", None)})
    bundle.parts = list(parts.values())
    loose = VictimPart({})
    for use in sorted(case.technologies.all(), key=lambda t: t.pk):
        target = parts.get(use.victim_id, loose)
        target.technologies.append((use.phase, use.technology, use.platform))
    for help_ in sorted(case.assistance.all(), key=lambda a: a.pk):
        parts.get(help_.victim_id, loose).assistance.append(help_.type)
    if loose.technologies or loose.assistance:
        if bundle.parts:
            bundle.parts[0].technologies.extend(loose.technologies)
            bundle.parts[0].assistance.extend(loose.assistance)
        else:
            bundle.parts = [loose]
    for exploitation in sorted(case.exploitations.all(), key=lambda e: e.pk):
        if exploitation.type and exploitation.type not in bundle.exploitation_types:
            bundle.exploitation_types.append(exploitation.type)
    bundle.perpetrators = [
        {"role": p.role, "sex": p.sex, "nationality": p.nationality}
        for p in sorted(case.perpetrators.all(), key=lambda p: p.pk)
    ]
    referrals = sorted(case.referrals.all(), key=lambda r: r.pk)
    if referrals:
        first = referrals[0].from_institution
        bundle.referred_from = first.code if first else ""
        bundle.referred_to = [r.to_institution.code for r in referrals if r.to_institution]
    return bundle
