"""The printable report (HTML and PDF via WeasyPrint) and the public page's panels.

Everything here is disclosure-controlled (frozen, audited publications), so it may be
published.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from nanduti.localtime import local_time
from nanduti.stats import fields, present, publication, publish
from nanduti.stats.summary import data_version


def _one_language(note: str, es: bool) -> str:
    """The Spanish or English half of a bilingual «es / en» note."""
    if " / " not in note:
        return note
    spanish, english = note.split(" / ", 1)
    return spanish if es else english


def _filters_text(filters: list[dict], language: str) -> str:
    parts = []
    for f in filters:
        field = fields.FIELDS.get(f["field"])
        if field is None:
            parts.append(f"{f['field']}={f['value']}")
        else:
            parts.append(f"{field.label(language)} = {field.value_label(f['value'], language)}")
    return ", ".join(parts)


def _scope_text(scope: str, language: str) -> str:
    if scope in ("all", "", None):
        return "todas las instituciones" if language == "es" else "all institutions"
    return fields.FIELDS["institution"].value_label(scope, language)


def method_notes(result: publish.Result, language: str = "es") -> list[str]:
    es = language == "es"
    d = result.description()
    unit = dict(fields.UNIT_LABELS)[d["unit"]][0 if es else 1]
    v = d["data_version"]
    last = local_time(v.get("last_change")) or ("ninguno registrado" if es else "none recorded")
    filters = _filters_text(d["filters"], language)
    scope = _scope_text(d["scope"], language)
    built = local_time(v.get("summary_built_at"))
    notes = [
        (
            "Fuente: registro de casos de Ñandutí (registros institucionales, importados y de "
            "prensa confirmada)."
            if es
            else "Source: the Ñandutí case registry (institutional, imported and confirmed press "
            "records)."
        ),
        (
            f"Unidad de conteo: {unit}; filtros: {filters or 'ninguno'}; ámbito: {scope}."
            if es
            else f"Counting unit: {unit}; filters: {filters or 'none'}; scope: {scope}."
        ),
        (
            f"Versión de los datos: {v.get('cases')} casos y {v.get('victims')} víctimas "
            f"registrados; último cambio auditado o importación: {last}."
            if es
            else f"Data version: {v.get('cases')} cases and {v.get('victims')} victims on "
            f"record; last audited change or import: {last}."
        ),
    ]
    if v.get("stale"):
        # The figures come from the summary or from the columnar snapshot; say which.
        source_es, source_en = (
            ("de la instantánea construida", "snapshot built")
            if v.get("snapshot")
            else ("del resumen construido", "summary built")
        )
        notes.append(
            f"Cifras {source_es} el {built}: los datos cambiaron después y se está reconstruyendo."
            if es
            else f"Figures from the {source_en} on {built}: the data changed "
            "since and it is being rebuilt."
        )
    p = d["privacy"]
    if p["mode"] == "cellkey" and p["method"] == publication.METHOD:
        notes.append(
            f"Control de divulgación: publicación aprobada y congelada, con perturbación por "
            f"clave de celda (la misma que reciben las tablas a pedido, así que ninguna "
            f"combinación de tablas da una cifra real). Cada cifra, también los totales, "
            f"difiere de la real en a lo sumo ±{p['max_perturbation']} (varianza "
            f"{p['variance']:g}); cifras de 1 a 4 se muestran «{p['small_cells']}»; los totales "
            f"no son sumas de las celdas. El ataque de programación lineal sobre todas las "
            f"tablas no recupera ninguna cifra protegida; ocultas (—) por él: {p['hidden_cells']}."
            if es
            else f"Disclosure control: approved, frozen publication, with cell-key perturbation "
            f"(the same that tables on request get, so no combination of tables gives a true "
            f"figure). Every figure, totals included, differs from the true one by at most "
            f"±{p['max_perturbation']} (variance {p['variance']:g}); figures of 1 to 4 are shown "
            f"as «{p['small_cells']}»; totals are not sums of the cells. The linear-programming "
            f"attack over all the tables recovers no protected figure; hidden (—) because of "
            f"it: {p['hidden_cells']}."
        )
    elif p["mode"] == "suppress" and p["method"] == publication.LEGACY_METHOD:
        notes.append(
            f"Control de divulgación: publicación aprobada y congelada. Se ocultan (—) las "
            f"celdas menores que {p['threshold']} y, con supresión secundaria óptima elegida "
            f"para todas las tablas de la publicación a la vez, las celdas necesarias para que "
            f"el ataque de programación lineal no recupere ninguna. Ocultas: {p['hidden_cells']}."
            if es
            else f"Disclosure control: approved, frozen publication. Cells below "
            f"{p['threshold']} are hidden (—), and optimal secondary suppression chosen for all "
            f"the publication's tables together hides what the linear-programming attack needs. "
            f"Hidden: {p['hidden_cells']}."
        )
    elif p["mode"] == "suppress":
        notes.append(
            f"Control de divulgación: se ocultan (—) las celdas y totales menores que "
            f"{p['threshold']} y, con supresión complementaria (método del hipercubo), otras "
            f"celdas elegidas para que ninguna oculta pueda deducirse de los totales. Ocultas: "
            f"{p['hidden_cells']}."
            if es
            else f"Disclosure control: cells and totals below {p['threshold']} are hidden (—), and "
            f"complementary suppression (hypercube method) hides further cells so that no hidden "
            f"cell can be derived from the totals. Hidden: {p['hidden_cells']}."
        )
    elif p["mode"] == "cellkey":
        notes.append(
            f"Control de divulgación: perturbación por clave de celda (como la del ABS y el censo "
            f"británico 2021). Cada cifra, también los totales, difiere de la real en a lo sumo "
            f"±{p['max_perturbation']} (varianza {p['variance']:g}); la misma celda da siempre la "
            f"misma cifra; cifras de 1 a 4 se muestran «{p['small_cells']}»; los totales no son "
            f"sumas de las celdas. Cifras alteradas: {p['changed']}."
            if es
            else "Disclosure control: cell-key perturbation (as the ABS and the UK's 2021 Census "
            f"do). Every figure, totals included, differs from the true one by at most "
            f"±{p['max_perturbation']} (variance {p['variance']:g}); the same cell always "
            f"gives the same figure; figures of 1 to 4 are shown as «{p['small_cells']}»; "
            f"totals are not sums of the cells. Figures changed: {p['changed']}."
        )
    elif p["mode"] == "dp":
        notes.append(
            f"Privacidad diferencial (OpenDP, Laplace discreto): ε={p['epsilon']:g}, "
            f"sensibilidad {p['sensitivity']}, escala {p['scale']:g}; presupuesto gastado "
            f"{p['spent']:g} de {p['budget']:g}."
            if es
            else "Differential privacy (OpenDP, discrete Laplace): "
            f"ε={p['epsilon']:g}, sensitivity {p['sensitivity']}, scale {p['scale']:g}; "
            f"budget spent {p['spent']:g} of "
            f"{p['budget']:g}."
        )
    else:
        notes.append("Recuentos exactos (uso interno)." if es else "Exact counts (internal use).")
    notes += [_one_language(n, es) for n in result.notes]
    return notes


def public_panels(language: str = "es") -> list[dict]:
    """The public page's panels: the tables of the latest approved (frozen) publication.

    The public never queries live data: what is shown was protected together, audited and
    frozen when a steward approved it."""
    from nanduti.stats.models import Publication

    latest = Publication.objects.filter(status=Publication.APPROVED).first()
    if latest is None:
        return []
    out = []
    for i, (table, result) in enumerate(publication.frozen_results(latest)):
        labels = " × ".join(f.label(language) for f in result.table.fields)
        out.append(
            {
                # The demo's titles are bilingual («es / en»): each page shows its own half.
                "title": _one_language(table["title"], language == "es") or labels,
                "publication": latest,
                "index": i,
                "by": ",".join(table["by"]),
                "unit": table["unit"],
                "result": result,
                "pivot": present.pivot(result, language),
                "chart": present.chart(result, language),
                "map": present.department_map(result, language),
                "method": method_notes(result, language),
                "empty": result.table.empty,
            }
        )
    return out


def report_context(language: str = "es") -> dict:
    return {
        "panels": public_panels(language),
        "version": data_version(),
        "generated": timezone.now(),
        "threshold": settings.NANDUTI_SUPPRESSION_THRESHOLD,
        "language": language,
        "time_zone": settings.TIME_ZONE,
    }


def render_html(language: str = "es") -> str:
    return render_to_string("stats/report_print.html", report_context(language))


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.PACKAGE_DIR)).write_pdf()
