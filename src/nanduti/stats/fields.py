"""The catalogue of cross-tab fields.

Each field names where its value lives, as an ORM path from ``Case``, the vocabulary
that gives its codes and labels, and the record level it belongs to. A field is
*multi-valued* for a counting unit when one unit can carry several values of it (a case
recruited through WhatsApp and Facebook; a case with a female and a male victim): such
a unit is counted once in each of its values and once in every total.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from nanduti.taxonomy import vocab

# Record levels, each a relation of Case; "case" is the case row itself.
CASE, VICTIM, TECH, EXPLOITATION, PERPETRATOR = (
    "case",
    "victim",
    "tech",
    "exploitation",
    "perpetrator",
)
LEVEL_PREFIX = {
    CASE: "",
    VICTIM: "victims__",
    TECH: "technologies__",
    EXPLOITATION: "exploitations__",
    PERPETRATOR: "perpetrators__",
}
UNITS = {
    # unit: (model label, level it lives at, path from the unit's model back to Case)
    "cases": CASE,
    "victims": VICTIM,
    "perpetrators": PERPETRATOR,
    "persons": VICTIM,  # unique persons behind victim records (nanduti.stats.persons)
}
UNIT_LABELS = {
    "cases": ("casos", "cases"),
    "victims": ("víctimas", "victims"),
    "perpetrators": ("perpetradores/as", "perpetrators"),
    "persons": ("personas únicas", "unique persons"),
}
NOT_RECORDED = ""  # blank code or no related record
NOT_RECORDED_LABEL = ("Sin dato", "Not recorded")


class FieldError(ValueError):
    """An unknown field or value; the message is bilingual and lists the valid ones."""


@dataclass(frozen=True)
class Field:
    name: str
    label_es: str
    label_en: str
    level: str
    column: str  # column on the level's model
    vocabulary: str | None = None
    kind: str = "code"  # code, year, bool, institution

    @property
    def case_path(self) -> str:
        return LEVEL_PREFIX[self.level] + self.column

    def label(self, language: str = "es") -> str:
        return self.label_en if language.startswith("en") else self.label_es

    def multi_for(self, unit: str) -> bool:
        """True when one unit of ``unit`` can carry several values of this field."""
        return self.level not in (CASE, UNITS[unit])

    def vocab(self):
        if not self.vocabulary:
            return None
        try:
            return vocab.get(self.vocabulary)
        except (FileNotFoundError, KeyError):
            return None  # vocabulary file not shipped yet: codes shown as they are

    def values(self) -> list[str]:
        """Every code this field can take (used for validation and DP domains)."""
        if self.kind == "bool":
            return ["true", "false"]
        if self.kind == "ctdc":
            return list(CTDC_FLAG_VALUES) if _is_ctdc_flag(self.label_en) else []
        v = self.vocab()
        if v is None:
            return []
        return [t.code for t in v.terms] + list(vocab.SPECIAL_CODES)

    def value_label(self, code, language: str = "es") -> str:
        if code in (None, NOT_RECORDED):
            return NOT_RECORDED_LABEL[1 if language.startswith("en") else 0]
        if self.kind == "bool":
            yes = code in (True, "true", 1, "1")
            if language.startswith("en"):
                return "Synthetic" if yes else "Real"
            return "Sintético" if yes else "Real"
        if self.kind == "institution":
            return _institution_label(str(code), language)
        if self.kind == "source":
            from nanduti.registry.models import Source

            labels = dict(Source.choices)
            text = str(labels.get(code, code))
            return text.split(" / ")[-1 if language.startswith("en") else 0]
        v = self.vocab()
        return v.label(str(code), language) if v is not None else str(code)


def _institution_label(code: str, language: str) -> str:
    try:
        term = vocab.get("institution").get(code)
    except (FileNotFoundError, KeyError):
        term = None
    if term is not None:
        return term.label(language)
    from nanduti.registry.models import Institution

    found = Institution.objects.filter(code=code).values_list("name", flat=True).first()
    return found or code


def _f(name, es, en, level, column, vocabulary=None, kind="code") -> Field:
    return Field(name, es, en, level, column, vocabulary, kind)


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        _f("year", "Año", "Year", CASE, "year", kind="year"),
        _f(
            "institution",
            "Institución",
            "Institution",
            CASE,
            "institution__code",
            "institution",
            kind="institution",
        ),
        _f("department", "Departamento", "Department", CASE, "department", "department"),
        _f("district", "Distrito", "District", CASE, "district", "district"),
        _f("sex", "Sexo de la víctima", "Victim's sex", VICTIM, "sex", "sex"),
        _f("age_band", "Franja de edad", "Age band", VICTIM, "age_band", "age_band"),
        _f(
            "age_band_ctdc",
            "Franja de edad (CTDC)",
            "Age band (CTDC)",
            VICTIM,
            "age_band_ctdc",
            "age_band_ctdc",
        ),
        _f(
            "nationality",
            "Nacionalidad de la víctima",
            "Victim's nationality",
            VICTIM,
            "nationality",
            "country",
        ),
        _f(
            "recruiter_relation",
            "Relación con quien captó",
            "Relation to the recruiter",
            VICTIM,
            "recruiter_relation",
            "recruiter_relation",
        ),
        _f("platform", "Plataforma", "Platform", TECH, "platform", "platform"),
        _f(
            "technology",
            "Categoría de tecnología",
            "Technology category",
            TECH,
            "technology",
            "technology",
        ),
        _f("phase", "Fase", "Phase", TECH, "phase", "phase"),
        _f(
            "modality",
            "Modalidad de captación",
            "Recruitment modality",
            CASE,
            "modality",
            "modality",
        ),
        _f("lure", "Señuelo", "Lure", CASE, "lure", "lure"),
        _f(
            "exploitation",
            "Tipo de explotación",
            "Exploitation type",
            EXPLOITATION,
            "type",
            "exploitation_type",
        ),
        _f(
            "exploitation_setting",
            "Ámbito de la explotación",
            "Exploitation setting",
            CASE,
            "exploitation_setting",
            "exploitation_setting",
        ),
        _f(
            "transfer_type",
            "Tipo de traslado",
            "Transfer type",
            CASE,
            "transfer_type",
            "transfer_type",
        ),
        _f(
            "destination_country",
            "País de destino",
            "Destination country",
            CASE,
            "destination_country",
            "country",
        ),
        _f(
            "exploitation_country",
            "País de explotación",
            "Country of exploitation",
            CASE,
            "exploitation_country",
            "country",
        ),
        _f("legal_status", "Situación legal", "Legal status", CASE, "legal_status", "legal_status"),
        _f("source", "Fuente del registro", "Record source", CASE, "source", kind="source"),
        _f("synthetic", "Datos sintéticos", "Synthetic data", CASE, "synthetic", kind="bool"),
        _f(
            "perpetrator_role",
            "Rol del/la perpetrador/a",
            "Perpetrator role",
            PERPETRATOR,
            "role",
            "perpetrator_role",
        ),
        _f(
            "perpetrator_sex",
            "Sexo del/la perpetrador/a",
            "Perpetrator's sex",
            PERPETRATOR,
            "sex",
            "sex",
        ),
    )
}


# Every variable of the CTDC standard (any layout), tabulated from the record each victim
# came in, exactly as written there: "-99", "Unknown", "ZZ", "Hotline" stay themselves.
CTDC_FLAG_VALUES = ("1", "0", "-99")


def _is_ctdc_flag(variable: str) -> bool:
    return variable.startswith(("meansOf", "means", "is", "typeOf", "recruiterRelation")) and (
        not variable.endswith("Concatenated")
    )


def _ctdc_fields() -> list[Field]:
    from nanduti.registry.ctdc import LAYOUTS

    variables = dict.fromkeys(v for layout in LAYOUTS.values() for v in layout)
    return [
        _f(f"ctdc_{v.lower()}", f"CTDC {v}", v, VICTIM, f"ctdc__{v}", kind="ctdc")
        for v in variables
    ]


FIELDS.update({f.name: f for f in _ctdc_fields()})


# Spanish names accepted beside the English codes (CLI ``--by plataforma``, API, filters);
# written without accents, and typed with or without them.
SPANISH_NAMES = {
    "anio": "year",
    "ano": "year",
    "institucion": "institution",
    "departamento": "department",
    "distrito": "district",
    "sexo": "sex",
    "franja_edad": "age_band",
    "franja_edad_ctdc": "age_band_ctdc",
    "nacionalidad": "nationality",
    "relacion_captador": "recruiter_relation",
    "plataforma": "platform",
    "tecnologia": "technology",
    "fase": "phase",
    "modalidad": "modality",
    "senuelo": "lure",
    "explotacion": "exploitation",
    "ambito_explotacion": "exploitation_setting",
    "tipo_traslado": "transfer_type",
    "pais_destino": "destination_country",
    "pais_explotacion": "exploitation_country",
    "situacion_legal": "legal_status",
    "fuente": "source",
    "sintetico": "synthetic",
    "rol_perpetrador": "perpetrator_role",
    "sexo_perpetrador": "perpetrator_sex",
}


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (name or "").strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(" ", "_")


def spanish_name(code: str) -> str:
    return next((es for es, en in SPANISH_NAMES.items() if en == code and es != "ano"), code)


def field(name: str) -> Field:
    key = (name or "").strip().lower()
    key = key if key in FIELDS else SPANISH_NAMES.get(_plain(name), key)
    if key not in FIELDS:
        valid = ", ".join(f"{spanish_name(n)} ({n})" if spanish_name(n) != n else n for n in FIELDS)
        raise FieldError(
            f"Campo desconocido «{name}»; campos válidos / unknown field «{name}»; valid fields: "
            + valid
        )
    return FIELDS[key]


def parse_fields(spec: str | list[str]) -> list[Field]:
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        raise FieldError("Indique al menos un campo / give at least one field (--by)")
    chosen = [field(n) for n in names]
    if len({f.name for f in chosen}) != len(chosen):
        raise FieldError("Un campo aparece dos veces / a field appears twice: " + ",".join(names))
    return chosen


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise FieldError(
            f"Unidad de conteo desconocida «{unit}» / unknown counting unit «{unit}»; "
            "válidas / valid: " + ", ".join(UNITS)
        )
    return unit


def _source_codes() -> list[str]:
    from nanduti.registry.models import Source

    return [c for c, _ in Source.choices]


def normalize_value(f: Field, value: str):
    """The stored value a filter value stands for, or a bilingual FieldError."""
    raw = (value or "").strip()
    if f.kind == "year":
        if raw.isdigit() and 1900 <= int(raw) <= 2100:
            return int(raw)
        raise FieldError(
            f"Año inválido «{value}» en el filtro year / invalid year «{value}» in filter year: "
            "use cuatro cifras / use four digits, e.g. 2023"
        )
    if f.kind == "bool":
        folded = vocab.fold(raw)
        if folded in ("true", "1", "si", "yes", "sintetico", "synthetic"):
            return True
        if folded in ("false", "0", "no", "real"):
            return False
        raise FieldError(
            f"Valor inválido «{value}» para {f.name} / invalid value for {f.name}; "
            "válidos / valid: true, false"
        )
    if f.kind == "source":
        codes = _source_codes()
        if raw in codes:
            return raw
        raise FieldError(
            f"Valor desconocido «{value}» para {f.name} / unknown value for {f.name}; "
            "válidos / valid: " + ", ".join(codes)
        )
    if raw in ("", "none", "sin_dato"):
        return NOT_RECORDED
    if f.kind == "institution":
        return _institution_code(f, raw)
    v = f.vocab()
    if v is None:
        return raw  # vocabulary not shipped: accept the code as given
    match = v.normalize(raw, fuzzy=False)
    if match is not None:
        return match.code
    valid = [t.code for t in v.terms] + list(vocab.SPECIAL_CODES)
    shown = ", ".join(valid[:60]) + (" …" if len(valid) > 60 else "")
    near = v.suggestions(raw)
    hint = f" ¿Quiso decir / did you mean: {', '.join(near)}?" if near else ""
    raise FieldError(
        f"Valor desconocido «{value}» para el campo {f.name} / unknown value «{value}» for field "
        f"{f.name}.{hint} Válidos / valid: {shown}"
    )


def _institution_code(f: Field, raw: str) -> str:
    from nanduti.registry.models import Institution

    codes = list(Institution.objects.values_list("code", flat=True))
    for code in codes:
        if vocab.fold(code) == vocab.fold(raw):
            return code
    v = f.vocab()
    if v is not None:
        match = v.normalize(raw, fuzzy=False)
        if match is not None and match.code in codes:
            return match.code
    raise FieldError(
        f"Institución desconocida «{raw}» / unknown institution «{raw}»; válidas / valid: "
        + ", ".join(codes)
    )


def parse_filter(spec: str) -> tuple[Field, object]:
    if "=" not in spec:
        raise FieldError(
            f"Filtro inválido «{spec}»: use CAMPO=VALOR / invalid filter «{spec}»: use FIELD=VALUE"
        )
    name, value = spec.split("=", 1)
    f = field(name)
    return f, normalize_value(f, value)


def catalogue(language: str = "es") -> list[dict]:
    """Every field with its values and labels (``nanduti stats --list-fields``)."""
    out = []
    for f in FIELDS.values():
        if f.kind == "source":
            from nanduti.registry.models import Source

            values = [
                {"code": c, "label_es": lbl.split(" / ")[0], "label_en": lbl.split(" / ")[-1]}
                for c, lbl in Source.choices
            ]
        else:
            values = [
                {"code": c, "label_es": f.value_label(c, "es"), "label_en": f.value_label(c, "en")}
                for c in f.values()
            ]
        out.append(
            {
                "name": f.name,
                "name_es": spanish_name(f.name),
                "label_es": f.label_es,
                "label_en": f.label_en,
                "level": f.level,
                "multi_valued_for_cases": f.multi_for("cases"),
                "vocabulary": f.vocabulary,
                "values": values,
            }
        )
    return out
