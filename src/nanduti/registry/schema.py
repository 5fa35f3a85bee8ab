"""The flat case-row format: one row per victim, case fields repeated on each row.

This one schema is what the importer reads (with Spanish or English headers), what the
exporter writes, what the demo generator produces and what the API accepts in bulk, so
that an export re-imports to the same data. A case with no victim recorded is one row
with empty victim columns. Multi-valued cells separate values with "|" (";" and "/" are
also read).
"""

from __future__ import annotations

from dataclasses import dataclass

from nanduti.taxonomy.vocab import fold

MULTI_SEPARATORS = "|;/"


@dataclass(frozen=True)
class Column:
    name: str
    header_es: str
    vocabulary: str = ""  # codes of this vocabulary
    multi: bool = False
    kind: str = "code"  # code, text, int, date, year, institution, identifying
    aliases: tuple[str, ...] = ()  # other headers seen in institutions' spreadsheets
    level: str = "case"  # case, victim, perpetrator, technology, referral, assistance


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
    Column("institution", "institucion", kind="institution", aliases=("entidad", "organismo")),
    Column(
        "case_reference",
        "referencia_caso",
        kind="text",
        aliases=(
            "caso",
            "nro_caso",
            "numero_caso",
            "n_caso",
            "id_caso",
            "case_id",
            "expediente",
            "causa",
            "nro_causa",
        ),
    ),
    Column("source", "fuente", kind="text", aliases=("origen_registro",)),
    Column("synthetic", "sintetico", "yes_no", aliases=("sintetica", "demo")),
    Column("year", "anio", kind="year", aliases=("ano", "año", "gestion", "periodo")),
    Column(
        "reported_on",
        "fecha",
        kind="date",
        aliases=("fecha_denuncia", "fecha_registro", "fecha_hecho", "fecha_de_ingreso", "date"),
    ),
    Column(
        "department", "departamento", "department", aliases=("depto", "dpto", "departamento_hecho")
    ),
    Column("district", "distrito", "district", aliases=("ciudad", "localidad", "municipio")),
    Column("modality", "modalidad", "modality", aliases=("modalidad_captacion",)),
    Column(
        "lure", "senuelo", "lure", aliases=("señuelo", "enganche", "forma_de_enganche", "engaño")
    ),
    Column("transfer_type", "tipo_traslado", "transfer_type", aliases=("traslado",)),
    Column("origin_department", "departamento_origen", "department", aliases=("origen",)),
    Column("origin_district", "distrito_origen", "district", aliases=("ciudad_origen",)),
    Column(
        "destination_country",
        "pais_destino",
        "country",
        aliases=("país_destino", "destino_pais", "pais_de_destino", "destino"),
    ),
    Column("destination_department", "departamento_destino", "department"),
    Column(
        "exploitation_country",
        "pais_explotacion",
        "country",
        aliases=("país_explotación", "pais_de_explotacion", "country_of_exploitation"),
    ),
    Column("route", "ruta", kind="text", aliases=("itinerario",)),
    Column("travel_paid_by_recruiter", "viaje_pagado", "yes_no", aliases=("pasaje_pagado",)),
    Column(
        "exploitation_types",
        "tipo_explotacion",
        "exploitation_type",
        multi=True,
        aliases=("tipo_de_explotacion", "explotacion", "finalidad", "tipo_de_trata"),
    ),
    Column("exploitation_setting", "ambito_explotacion", "exploitation_setting"),
    Column(
        "means_of_control",
        "medios_control",
        "means_of_control",
        multi=True,
        aliases=("medios_de_control", "formas_de_control", "control_coercion", "coercion"),
    ),
    Column(
        "legal_status",
        "situacion_legal",
        "legal_status",
        aliases=("estado_procesal", "estado", "situacion_procesal"),
    ),
    Column(
        "provisions",
        "disposiciones",
        "legal_provision",
        multi=True,
        aliases=("articulos", "calificacion"),
    ),
    *(
        Column(
            f"platforms_{phase}",
            PHASE_HEADERS_ES[phase],
            "platform",
            multi=True,
            level="technology",
            aliases=(
                ("plataformas", "plataforma", "tic", "red_social", "medio_captacion")
                if phase == "recruitment"
                else ()
            ),
        )
        for phase in PHASES
    ),
    Column(
        "victim_reference",
        "referencia_victima",
        kind="text",
        level="victim",
        aliases=("victima_nro",),
    ),
    Column(
        "victim_sex", "sexo", "sex", level="victim", aliases=("genero", "género", "sexo_victima")
    ),
    Column("victim_age", "edad", kind="int", level="victim", aliases=("edad_victima",)),
    Column(
        "victim_age_band",
        "franja_edad",
        "age_band",
        level="victim",
        aliases=("rango_edad", "grupo_edad"),
    ),
    Column(
        "victim_age_band_ctdc",
        "franja_edad_ctdc",
        "age_band_ctdc",
        level="victim",
        aliases=("agebroad",),
    ),
    Column("victim_nationality", "nacionalidad", "country", level="victim"),
    Column("victim_residence_department", "departamento_residencia", "department", level="victim"),
    Column(
        "recruiter_relation",
        "relacion_captor",
        "recruiter_relation",
        level="victim",
        aliases=("relacion_con_captor", "vinculo", "vinculo_captor"),
    ),
    # A CTDC record as it came (JSON: every column as written, and its layout), so that the
    # standard's values our fields cannot hold are stored, counted and exported unchanged.
    Column("victim_ctdc", "registro_ctdc", kind="text", level="victim"),
    Column(
        "victim_name", "nombre_victima", kind="identifying", level="victim", aliases=("nombre",)
    ),
    Column(
        "victim_document",
        "documento_victima",
        kind="identifying",
        level="victim",
        aliases=("ci", "cedula"),
    ),
    Column(
        "victim_phone",
        "telefono_victima",
        kind="identifying",
        level="victim",
        aliases=("telefono",),
    ),
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
    Column("summary", "resumen", kind="text", aliases=("descripcion", "observaciones", "relato")),
)

BY_NAME = {c.name: c for c in COLUMNS}


def header_index() -> dict[str, Column]:
    """Folded header (English name, Spanish header or alias) → column."""
    index: dict[str, Column] = {}
    for column in COLUMNS:
        for header in (column.name, column.header_es, *column.aliases):
            index.setdefault(fold(header).replace(" ", "_"), column)
    return index


def split_multi(cell: str) -> list[str]:
    values = [cell or ""]
    for separator in MULTI_SEPARATORS:
        values = [part for value in values for part in value.split(separator)]
    return [v.strip() for v in values if v.strip()]
