"""Typed request and response bodies of the API (they make the OpenAPI schema)."""

from __future__ import annotations

import difflib
from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, model_validator

from nanduti.registry.fields import WEB_SCHEMES, is_web_url

CODE = "Vocabulary code, `unknown` or `not_asked`; empty = not recorded"


def _unknown_field(name: str, known) -> str:
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"«{name}» (→ «{guess[0]}»)" if guess else f"«{name}»"


class StrictSchema(Schema):
    """A request body that refuses fields it does not know, naming them (and the nearest
    known name), instead of dropping them: a misspelt field would lose its data silently."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_fields(cls, data):
        if isinstance(data, dict):
            cls.refuse_unknown(data)
        return data

    @classmethod
    def refuse_unknown(cls, names) -> None:
        unknown = [str(k) for k in names if k not in cls.model_fields]
        if unknown:
            named = ", ".join(_unknown_field(k, cls.model_fields) for k in unknown)
            raise ValueError(
                f"campos desconocidos: {named}; no se aplicó nada / "
                f"unknown fields: {named}; nothing was applied"
            )


def _web_url(value: str | None) -> str | None:
    if value and not is_web_url(value):
        raise ValueError(
            f"«{value[:80]}» no es un enlace {'/'.join(WEB_SCHEMES)} / "
            f"is not an {'/'.join(WEB_SCHEMES)} link"
        )
    return value


WebURL = Annotated[str, Field(max_length=500), AfterValidator(_web_url)]


class Identifying(StrictSchema):
    """Identifying data: encrypted at rest, returned only to the owning institution."""

    full_name: str = ""
    document_number: str = ""
    phone: str = ""
    birth_date: str = Field("", description="ISO date")


class VictimIn(StrictSchema):
    id: int | None = Field(None, description="Existing victim to update; omit to add one")
    sex: str = Field("", description=CODE)
    age: int | None = Field(None, ge=0, le=120)
    age_band: str = Field("", description=CODE)
    nationality: str = Field("", description="ISO 3166-1 alpha-2 country code")
    residence_department: str = ""
    recruiter_relation: str = ""
    identifying: Identifying | None = None


class VictimOut(Schema):
    id: int
    reference: str
    sex: str
    age: int | None
    age_band: str
    nationality: str
    residence_department: str
    recruiter_relation: str
    identifying: Identifying | None = Field(
        None, description="Only for users of the owning institution; null otherwise"
    )


class TechnologyIn(StrictSchema):
    id: int | None = None
    phase: str = Field("", description=CODE)
    platform: str = Field("", description=CODE)
    technology: str = Field("", description="Technology category; derived from the platform")
    detail: str = ""


class TechnologyOut(Schema):
    id: int
    phase: str
    platform: str
    technology: str
    detail: str


class ExploitationIn(StrictSchema):
    id: int | None = None
    type: str = Field("", description=CODE)
    setting: str = ""


class ExploitationOut(Schema):
    id: int
    type: str
    setting: str


class PerpetratorIn(StrictSchema):
    id: int | None = None
    role: str = ""
    relation_to_victim: str = ""
    sex: str = ""
    nationality: str = ""


class PerpetratorOut(Schema):
    id: int
    role: str
    relation_to_victim: str
    sex: str
    nationality: str


class CaseFields(Schema):
    year: int | None = Field(None, ge=1900, le=2100)
    reported_on: date | None = None
    department: str = ""
    district: str = ""
    modality: str = ""
    lure: str = ""
    transfer_type: str = ""
    origin_department: str = ""
    origin_district: str = ""
    destination_country: str = ""
    destination_department: str = ""
    exploitation_country: str = ""
    route: str = ""
    travel_paid_by_recruiter: str = ""
    exploitation_setting: str = ""
    means_of_control: list[str] = []
    legal_status: str = ""
    provisions: list[str] = []
    summary: str = ""
    source_url: str = ""


class CaseIn(StrictSchema, CaseFields):
    source_url: WebURL = Field("", description="http:// or https:// link")
    reference: str = Field("", max_length=80, description="Generated when empty")
    victims: list[VictimIn] = []
    technologies: list[TechnologyIn] = []
    exploitations: list[ExploitationIn] = []
    perpetrators: list[PerpetratorIn] = []


class ChildIds(StrictSchema):
    victims: list[int] = []
    technologies: list[int] = []
    exploitations: list[int] = []
    perpetrators: list[int] = []


class CasePatch(StrictSchema):
    """Only the fields sent change. In a nested list, items with an ``id`` update that child
    (only the fields they name), items without one are added; children left out stay.
    Children are deleted only when named in ``remove``."""

    reference: str | None = Field(None, max_length=80)
    year: int | None = Field(None, ge=1900, le=2100)
    reported_on: date | None = None
    department: str | None = None
    district: str | None = None
    modality: str | None = None
    lure: str | None = None
    transfer_type: str | None = None
    origin_department: str | None = None
    origin_district: str | None = None
    destination_country: str | None = None
    destination_department: str | None = None
    exploitation_country: str | None = None
    route: str | None = None
    travel_paid_by_recruiter: str | None = None
    exploitation_setting: str | None = None
    legal_status: str | None = None
    provisions: list[str] | None = None
    means_of_control: list[str] | None = None
    summary: str | None = None
    source_url: WebURL | None = None
    victims: list[VictimIn] | None = None
    technologies: list[TechnologyIn] | None = None
    exploitations: list[ExploitationIn] | None = None
    perpetrators: list[PerpetratorIn] | None = None
    remove: ChildIds | None = Field(None, description="Children to delete, by id")


class CaseOut(CaseFields):
    id: int
    version: int = Field(description='Send it back as If-Match: "<version>" to update')
    reference: str
    institution: str
    source: str
    synthetic: bool
    created_at: datetime
    updated_at: datetime
    victims: list[VictimOut]
    technologies: list[TechnologyOut]
    exploitations: list[ExploitationOut]
    perpetrators: list[PerpetratorOut]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseOut]


class TermOut(Schema):
    code: str
    label_es: str
    label_en: str
    parent: str = ""
    aliases: list[str] = []


class VocabularySummary(Schema):
    name: str
    label_es: str
    label_en: str
    version: str
    terms: int


class VocabularyOut(Schema):
    name: str
    label_es: str
    label_en: str
    version: str
    special_codes: list[TermOut]
    terms: list[TermOut]


class Error(Schema):
    detail: str
