"""The columns of a series file: names, bilingual labels and SDMX-CSV identifiers.

One layout serves the template (CSV/XLSX), the shipped data file and SDMX-CSV: one row per
observation, the series' metadata repeated or left blank after its first row.
"""

from __future__ import annotations

from nanduti.taxonomy import vocab

# name: (label_es, label_en, SDMX-CSV component id)
META = {
    "series": ("Serie", "Series", "SERIES"),
    "institution": ("Institución", "Institution", "INSTITUTION"),
    "publisher": ("Publicado por", "Publisher", "PUBLISHER"),
    "unit": ("Unidad", "Unit", "UNIT_MEASURE"),
    "measure": ("Medida", "Measure", "MEASURE"),
    "title_es": ("Título", "Title (Spanish)", "TITLE_ES"),
    "title_en": ("Título en inglés", "Title (English)", "TITLE_EN"),
    "source_title": ("Documento fuente", "Source document", "SOURCE_TITLE"),
    "source_url": ("URL de la fuente", "Source URL", "SOURCE_URL"),
    "date_published": ("Fecha de publicación", "Date published", "DATE_PUBLISHED"),
    "source_locator": ("Página o tabla", "Page or table", "SOURCE_LOCATOR"),
    "notes": ("Notas", "Notes", "COMMENT_TS"),
    "published": ("Publicada", "Published", "PUBLISHED"),
}
OBSERVATION = {
    "period": ("Período", "Period", "TIME_PERIOD"),
    "value": ("Valor", "Value", "OBS_VALUE"),
    "note": ("Nota de la cifra", "Figure note", "COMMENT_OBS"),
}
# Vocabularies a series may be broken down by (codes checked against taxonomy/data).
DIMENSIONS = (
    "sex",
    "age_band",
    "department",
    "exploitation_type",
    "exploitation_group",
    "technology",
    "platform",
)
TOTAL_MARKERS = {"", "_t", "total", "todos", "todas", "all"}


def dimension_labels(name: str) -> tuple[str, str, str]:
    meta = vocab.manifest()[name]
    return meta.get("label_es", name), meta.get("label_en", name), name.upper()


def all_columns() -> dict[str, tuple[str, str, str]]:
    dims = {name: dimension_labels(name) for name in DIMENSIONS}
    return {
        **META,
        "period": OBSERVATION["period"],
        **dims,
        **{k: v for k, v in OBSERVATION.items() if k != "period"},
    }


def header_index() -> dict[str, str]:
    """Folded header text → column name: the name, either label, both, or the SDMX id."""
    index = {}
    for name, (es, en, sdmx_id) in all_columns().items():
        for text in (name, es, en, f"{es} / {en}", sdmx_id):
            index[vocab.fold(text)] = name
    return index


def label(name: str) -> str:
    es, en, _ = all_columns()[name]
    return f"{es} / {en}"
