"""The flat case-row format: one row per victim, case fields repeated on each row.

This one schema is what the importer reads (with Spanish or English headers), what the
exporter writes, what the demo generator produces and what the API accepts in bulk, so
that an export re-imports to the same data. A case with no victim recorded is one row
with empty victim columns. Multi-valued cells separate values with "|" (",", ";" and "/"
are also read, where a value is not itself a label holding them: «Criadazgo / servidumbre
doméstica»).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from nanduti.registry import headers

MULTI_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    name: str
    header_es: str
    vocabulary: str = ""  # codes of this vocabulary
    multi: bool = False
    kind: str = "code"  # code, text, int, date, year, institution, identifying
    level: str = "case"  # case, victim, perpetrator, technology, referral, assistance

    @property
    def choices(self) -> str:
        """The vocabulary a value is chosen from ("" for free text, numbers and dates)."""
        if self.kind == "institution":
            return "institution"
        return self.vocabulary if self.kind == "code" else ""


PHASES = ("recruitment", "transfer", "exploitation", "control", "payment", "advertising")
PHASE_HEADERS_ES = {
    "recruitment": "plataformas_captacion",
    "transfer": "plataformas_traslado",
    "exploitation": "plataformas_explotacion",
    "control": "plataformas_control",
    "payment": "plataformas_pago",
    "advertising": "plataformas_publicidad",
}

COLUMNS: tuple[Column, ...] = (
    Column("institution", "institucion", kind="institution"),
    Column("case_reference", "referencia_caso", kind="text"),
    Column("source", "fuente", kind="text"),
    Column("synthetic", "sintetico", "yes_no"),
    Column("year", "anio", kind="year"),
    Column("reported_on", "fecha", kind="date"),
    Column("department", "departamento", "department"),
    Column("district", "distrito", "district"),
    Column("modality", "modalidad", "modality"),
    Column("lure", "senuelo", "lure"),
    Column("transfer_type", "tipo_traslado", "transfer_type"),
    Column("origin_department", "departamento_origen", "department"),
    Column("origin_district", "distrito_origen", "district"),
    Column("destination_country", "pais_destino", "country"),
    Column("destination_department", "departamento_destino", "department"),
    Column("exploitation_country", "pais_explotacion", "country"),
    Column("route", "ruta", kind="text"),
    Column("travel_paid_by_recruiter", "viaje_pagado", "yes_no"),
    Column("exploitation_types", "tipo_explotacion", "exploitation_type", multi=True),
    Column("exploitation_setting", "ambito_explotacion", "exploitation_setting"),
    Column("means_of_control", "medios_control", "means_of_control", multi=True),
    Column("legal_status", "situacion_legal", "legal_status"),
    Column("provisions", "disposiciones", "legal_provision", multi=True),
    *(
        Column(
            f"platforms_{phase}",
            PHASE_HEADERS_ES[phase],
            "platform",
            multi=True,
            level="technology",
        )
        for phase in PHASES
    ),
    Column("victim_reference", "referencia_victima", kind="text", level="victim"),
    Column("victim_sex", "sexo", "sex", level="victim"),
    Column("victim_age", "edad", kind="int", level="victim"),
    Column("victim_age_band", "franja_edad", "age_band", level="victim"),
    Column("victim_age_band_ctdc", "franja_edad_ctdc", "age_band_ctdc", level="victim"),
    Column("victim_nationality", "nacionalidad", "country", level="victim"),
    Column("victim_residence_department", "departamento_residencia", "department", level="victim"),
    Column("recruiter_relation", "relacion_captor", "recruiter_relation", level="victim"),
    # A CTDC record as it came (JSON: every column as written, and its layout), so that the
    # standard's values our fields cannot hold are stored, counted and exported unchanged.
    Column("victim_ctdc", "registro_ctdc", kind="text", level="victim"),
    Column("victim_name", "nombre_victima", kind="identifying", level="victim"),
    Column("victim_document", "documento_victima", kind="identifying", level="victim"),
    Column("victim_phone", "telefono_victima", kind="identifying", level="victim"),
    Column("victim_birth_date", "fecha_nacimiento", kind="identifying", level="victim"),
    Column(
        "perpetrator_roles",
        "roles_perpetradores",
        "perpetrator_role",
        multi=True,
        level="perpetrator",
    ),
    Column("perpetrator_sexes", "sexo_perpetradores", "sex", multi=True, level="perpetrator"),
    Column(
        "perpetrator_nationalities",
        "nacionalidad_perpetradores",
        "country",
        multi=True,
        level="perpetrator",
    ),
    Column("referred_from", "derivado_de", kind="institution", level="referral"),
    Column("referred_to", "derivado_a", "institution", multi=True, level="referral"),
    Column("assistance_types", "asistencia", "assistance_type", multi=True, level="assistance"),
    Column("summary", "resumen", kind="text"),
)

BY_NAME = {c.name: c for c in COLUMNS}


@cache
def header_index() -> dict[str, Column]:
    """Header key (:func:`headers.header_key`) of each column's English name, Spanish
    header, labels and aliases (``data/columns.toml``) → column."""
    index: dict[str, Column] = {}
    for column in COLUMNS:
        written = (
            column.name,
            column.header_es,
            headers.label(column.name, "es"),
            headers.label(column.name, "en"),
            *headers.aliases(column.name),
        )
        for header in written:
            index.setdefault(headers.header_key(header), column)
    return index


def column_for(header: str) -> Column | None:
    """The column a header (as written in a file) names, or None."""
    index = header_index()
    return next((index[k] for k in headers.keys(header) if k in index), None)


def split_multi(cell: str) -> list[str]:
    return [v.strip() for v in (cell or "").split(MULTI_SEPARATOR) if v.strip()]
