"""A case and its children as plain data, between flat rows and the database.

The importer groups normalised rows into :class:`CaseBundle` s (:func:`add_row`) and
hashes them (:func:`content_hash`); the exporter reads cases from the database into
bundles and writes them as flat rows (``registry.flat``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from nanduti.registry import schema
from nanduti.registry.io.normalise import Problem

CASE_FIELDS = {
    "source": "source",
    "synthetic": "synthetic",
    "year": "year",
    "reported_on": "reported_on",
    "department": "department",
    "district": "district",
    "modality": "modality",
    "lure": "lure",
    "transfer_type": "transfer_type",
    "origin_department": "origin_department",
    "origin_district": "origin_district",
    "destination_country": "destination_country",
    "destination_department": "destination_department",
    "exploitation_country": "exploitation_country",
    "route": "route",
    "travel_paid_by_recruiter": "travel_paid_by_recruiter",
    "exploitation_setting": "exploitation_setting",
    "legal_status": "legal_status",
    "provisions": "provisions",
    "means_of_control": "means_of_control",
    "summary": "summary",
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
        # fields never hold empty values (see add_row and bundle_of)
        return len(self.fields) > ("reference" in self.fields)


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


# Where each column of a normalised row goes: (level, attribute).
ROUTES: dict[str, tuple[str, str]] = {
    **{column: ("case", attr) for column, attr in CASE_FIELDS.items()},
    **{column: ("victim", attr) for column, attr in VICTIM_FIELDS.items()},
    **{column: ("technology", phase) for column, phase in PHASE_COLUMNS.items()},
    **{column: ("perpetrator", attr) for column, attr in PERPETRATOR_ATTRS},
    "exploitation_types": ("types", ""),
    "assistance_types": ("assistance", ""),
    "referred_from": ("referral", "from"),
    "referred_to": ("referral", "to"),
}


def _unique(values) -> list:
    return list(dict.fromkeys(values))


@dataclass(slots=True)
class RowParts:
    """One normalised row split by where its values go (see :func:`split_row`)."""

    case: dict  # case attribute → value, synthetic as a bool, lists without repeats
    victim: dict  # victim attribute → value
    technologies: list[tuple[str, str, str]]
    exploitation_types: list[str]
    assistance: list[str]
    perpetrators: bool  # whether the row has perpetrator columns
    referral: bool  # whether the row has referral columns


def split_row(row: dict) -> RowParts:
    """The values of one normalised row by level. ``row`` holds only non-empty values
    (as the normaliser gives them)."""
    case: dict = {}
    victim: dict = {}
    technologies: list = []
    types: list = []
    assistance: list = []
    perpetrators = referral = False
    routes = ROUTES
    for column, value in row.items():
        # "not value" is "value in EMPTY_VALUES or value == ()" (0 == False), but cheaper:
        # this loop runs for every cell of a million-row file.
        if not value:
            continue
        route = routes.get(column)
        if route is None:
            continue
        level, attr = route
        if level == "victim":
            victim[attr] = value
        elif level == "case":
            if column == "synthetic":
                case["synthetic"] = value == "yes"
            elif column in LIST_FIELDS:
                case[attr] = _unique(value)
            else:
                case[attr] = value
        elif level == "technology":
            technologies += [(attr, technology, platform) for technology, platform in value]
        elif level == "types":
            types = _unique(value)
        elif level == "assistance":
            assistance.extend(value)
        elif level == "perpetrator":
            perpetrators = True
        elif level == "referral":
            referral = True
    return RowParts(case, victim, technologies, types, assistance, perpetrators, referral)


def perpetrators_of(row: dict) -> list[dict]:
    """The perpetrators of a row: its perpetrator columns are parallel lists."""
    lists = [(attr, row.get(column, ())) for column, attr in PERPETRATOR_ATTRS]
    count = max(len(values) for _attr, values in lists)
    return [
        {attr: (values[i] if i < len(values) else "") for attr, values in lists}
        for i in range(count)
    ]


def add_row(bundle: CaseBundle, number: int, row: dict) -> Problem | None:
    """Adds one normalised row (one victim) to its case; a problem if it cannot be.

    The case's fields take each attribute's first value (the first row's source); its
    lists (provisions, means of control) and exploitation types the union in order;
    perpetrators and referral come from the first row that has them. ``row`` holds only
    non-empty values.
    """
    first = not bundle.rows
    fields = bundle.fields
    parts = split_row(row)
    for attr, value in parts.case.items():
        if attr == "synthetic":
            fields["synthetic"] = value
        elif attr in LIST_FIELDS:
            current = fields.setdefault(attr, [])
            current.extend(v for v in value if v not in current)
        elif not fields.get(attr) or (attr == "source" and first):
            fields[attr] = value
    known = bundle.exploitation_types
    for kind in parts.exploitation_types:
        if kind not in known:
            known.append(kind)
    part = VictimPart(parts.victim, parts.technologies, parts.assistance, row=number)
    if parts.perpetrators and not bundle.perpetrators:
        bundle.perpetrators = perpetrators_of(row)
    if parts.referral and not bundle.referred_from and not bundle.referred_to:
        bundle.referred_from = row.get("referred_from", "")
        bundle.referred_to = list(row.get("referred_to", ()))
    reference = part.fields.get("reference")
    if part.is_victim or reference:
        if bundle.parts:
            used = [p.fields.get("reference") for p in bundle.parts]
            if reference and reference in used:
                row_of = bundle.parts[used.index(reference)].row
                return Problem(
                    number,
                    "referencia_victima",
                    reference,
                    f"la víctima «{reference}» del caso «{bundle.reference}» ya está en la fila "
                    f"{row_of}",
                    f"victim «{reference}» of case «{bundle.reference}» is already in row {row_of}",
                )
        else:
            used = []
        if not reference:
            n = len(bundle.parts) + 1
            while str(n) in used:
                n += 1
            part.fields["reference"] = str(n)
    if first or part.is_victim or reference:
        bundle.parts.append(part)
    else:
        # A row without victim data only adds technologies and assistance to the case.
        bundle.parts[0].technologies.extend(part.technologies)
        bundle.parts[0].assistance.extend(part.assistance)
    bundle.rows.append(number)
    return None


_ITEM_TEXTS: dict = {}  # (column, value) → its repr; values repeat, repr of dates is slow
ITEM_TEXTS_LIMIT = 200_000


def row_text(row: dict) -> str:
    """A normalised row as canonical text (columns sorted by name, so the file's column
    order and header language do not matter), for the case's content hash.

    The same text as ``repr(sorted(row.items()))``, built from cached item texts."""
    texts = _ITEM_TEXTS
    parts = []
    for item in sorted(row.items()):
        try:
            text = texts.get(item)
        except TypeError:  # an unhashable value (a list): not cached
            text = None
            parts.append(repr(item))
            continue
        if text is None:
            text = repr(item)
            if len(texts) < ITEM_TEXTS_LIMIT:
                texts[item] = text
        parts.append(text)
    return "[" + ", ".join(parts) + "]"


def content_hash(bundle: CaseBundle) -> str:
    """SHA-256 of the case's normalised rows in canonical form, in file order (the order
    numbers victims without a reference), from their texts (see :func:`row_text`)."""
    text = "\x1e".join([bundle.institution, bundle.reference, *bundle.texts])
    return hashlib.sha256(text.encode()).hexdigest()
