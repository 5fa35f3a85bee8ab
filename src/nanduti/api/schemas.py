"""Typed request and response bodies of the API (they make the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

CODE = "Vocabulary code, `unknown` or `not_asked`; empty = not recorded"


class Identifying(Schema):
    """Identifying data: encrypted at rest, returned only to the owning institution."""

    full_name: str = ""
    document_number: str = ""
    phone: str = ""
    birth_date: str = Field("", description="ISO date")


class VictimIn(Schema):
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


class TechnologyIn(Schema):
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


class ExploitationIn(Schema):
    id: int | None = None
    type: str = Field("", description=CODE)
    setting: str = ""


class ExploitationOut(Schema):
    id: int
    type: str
    setting: str


class PerpetratorIn(Schema):
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


class CaseIn(CaseFields):
    reference: str = Field("", max_length=80, description="Generated when empty")
    victims: list[VictimIn] = []
    technologies: list[TechnologyIn] = []
    exploitations: list[ExploitationIn] = []
    perpetrators: list[PerpetratorIn] = []


class CasePatch(Schema):
    """Only the fields sent change. A nested list sent replaces the case's list: items with
    an ``id`` are updated, items without are added, existing items left out are deleted."""

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
    source_url: str | None = None
    victims: list[VictimIn] | None = None
    technologies: list[TechnologyIn] | None = None
    exploitations: list[ExploitationIn] | None = None
    perpetrators: list[PerpetratorIn] | None = None


class CaseOut(CaseFields):
    id: int
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
