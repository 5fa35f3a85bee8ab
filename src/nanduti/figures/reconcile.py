"""Each official figure beside the registry's count, the difference and its likely reasons.

The registry is counted in the series' own unit where it can be (cases, victims, victims
assisted); complaints are set beside cases and the difference of unit is said. Nothing
here is ever added to case-level counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from nanduti.figures.columns import DIMENSIONS
from nanduti.figures.models import Measure, Series, Unit
from nanduti.figures.validate import format_value
from nanduti.linkage.models import LinkageRun
from nanduti.registry.models import Assistance, Case, Exploitation, TechnologyUse, Victim
from nanduti.stats import disclosure, persons
from nanduti.stats.crosstab import TOTAL
from nanduti.stats.study_tables import institution_ids
from nanduti.taxonomy import vocab

# The study (Police section): cases reach the Police "in the first instance by MINNA,
# Prosecutor's Offices, Public Defender's Offices" and are then referred on.
SEPARATE_COUNTS = (
    "Varias instituciones informan el mismo período. Según el estudio (TEDIC 2024), los casos "
    "llegan primero al MINNA, a las fiscalías o defensorías y luego se derivan a la Policía: cada "
    "institución cuenta por separado a las mismas víctimas, así que sus cifras no se suman. / "
    "Several institutions report this period. According to the study (TEDIC 2024), cases reach "
    "MINNA, prosecutors or public defenders first and are then referred to the Police: each "
    "institution counts the same victims separately, so their figures must not be added up."
)


PEOPLE_UNITS = (Unit.VICTIMS, Unit.PERSONS_ASSISTED)


@dataclass
class Line:
    period: str
    dims: dict
    official: Decimal
    registry: Decimal | None
    note: str = ""
    reasons: list[str] = field(default_factory=list)
    persons: int | None = None  # unique persons after linkage, for units that count people
    hidden: bool = False
    official_hidden: bool = False
    dims_text: str = ""  # the dimensions as the page names them (set by the view)

    @property
    def difference(self) -> Decimal | None:
        return None if self.registry is None else self.registry - self.official


def _group_members(code: str) -> list[str]:
    term = vocab.get("exploitation_group").get(code)
    return term.extra.get("members", "").split("|") if term else []


def _case_filter(institutions: list[int], period: str, dims: dict) -> Q:
    q = Q(institution__in=institutions, year=int(period[:4]))
    if len(period) == 7:
        q &= Q(reported_on__month=int(period[5:]))
    if "department" in dims:
        q &= Q(department=dims["department"])
    if "exploitation_type" in dims:
        q &= Q(pk__in=Exploitation.objects.filter(type=dims["exploitation_type"]).values("case"))
    if "exploitation_group" in dims:
        members = _group_members(dims["exploitation_group"])
        q &= Q(pk__in=Exploitation.objects.filter(type__in=members).values("case"))
    for name in ("technology", "platform"):
        if name in dims:
            uses = TechnologyUse.objects.filter(**{name: dims[name]}).values("case")
            q &= Q(pk__in=uses)
    return q


def _victims(institutions: list[int], unit: str, period: str, dims: dict):
    """The institutions' victim records in the period and breakdown; for persons assisted,
    only those assisted (or whose case was)."""
    cases = Case.objects.filter(_case_filter(institutions, period, dims))
    victim_dims = {k: v for k, v in dims.items() if k in ("sex", "age_band")}
    victims = Victim.objects.filter(case__in=cases, **victim_dims)
    if unit != Unit.PERSONS_ASSISTED:
        return victims
    assisted = Assistance.objects.filter(case__in=cases)
    return victims.filter(
        Q(pk__in=assisted.filter(victim__isnull=False).values("victim"))
        | Q(case__in=assisted.filter(victim__isnull=True).values("case"))
    )


def registry_count(institutions: list[int], unit: str, period: str, dims: dict) -> int:
    """Registry count of the institutions' records (their ids) in ``unit``."""
    victims = _victims(institutions, unit, period, dims)
    if unit not in (Unit.CASES, Unit.COMPLAINTS):
        return victims.count()
    if any(k in dims for k in ("sex", "age_band")):
        return victims.values("case").distinct().count()
    return Case.objects.filter(_case_filter(institutions, period, dims)).count()


def unique_persons(institutions: list[int], unit: str, period: str, dims: dict, run) -> int:
    """Those records with each person the current linkage run joined counted once."""
    victims = persons.annotate(_victims(institutions, unit, period, dims), run)
    return victims.values(persons.KEY).distinct().count()


def _registry_value(series: Series, ids: list[int], period: str, dims: dict) -> Decimal:
    count = registry_count(ids, series.unit, period, dims)
    if series.measure != Measure.PERCENT:
        return Decimal(count)
    whole = registry_count(ids, series.unit, period, {})
    return (Decimal(100) * count / whole).quantize(Decimal("0.1")) if whole else Decimal(0)


def _reasons(series: Series, line: Line, synthetic: bool) -> list[str]:
    reasons = []
    if series.unit == Unit.COMPLAINTS:
        reasons.append(
            "Unidad distinta: la serie cuenta denuncias, el registro casos / different unit: "
            "the series counts complaints, the registry cases"
        )
    if line.note:
        reasons.append(f"Definición del período / period definition: {line.note}")
    diff = line.difference
    if diff is None or series.measure == Measure.PERCENT:
        return reasons
    missing = format_value(-diff)
    if diff < 0:
        reasons.append(
            f"Registros aún no cargados: faltan {missing} / records not yet entered: "
            f"{missing} missing"
        )
    elif diff > 0:
        reasons.append(
            "El registro cuenta más: otras fuentes, año del caso y no de la denuncia"
            + (", datos sintéticos de demostración" if synthetic else "")
            + " / the registry counts more: other sources, year of the case rather than of the "
            "complaint" + (", synthetic demo data" if synthetic else "")
        )
    else:
        reasons.append("Coinciden / they match")
    if line.persons is not None and line.registry is not None and line.persons < line.registry:
        joined = format_value(line.registry - line.persons)
        reasons.append(
            f"El enlace de registros encontró {joined} registros repetidos de una misma persona "
            f"/ record linkage found {joined} records repeating a person"
        )
    return reasons


def _protect(lines: list[Line], threshold: int, value_of) -> list[Line]:
    """Lines whose value must be hidden: the stats' hypercube suppression over period × each
    breakdown, a figure without a breakdown being that breakdown's total (as published), so
    a hidden figure cannot be got back from the totals beside it."""
    names = [d for d in DIMENSIONS if any(d in ln.dims for ln in lines)]
    periods = sorted({ln.period for ln in lines})
    categories = [periods] + [sorted({ln.dims[d] for ln in lines if d in ln.dims}) for d in names]

    def cell(ln: Line) -> tuple:
        return (ln.period, *(ln.dims.get(d, TOTAL) for d in names))

    values: dict[tuple, int] = defaultdict(int)
    for ln in lines:
        if value_of(ln) is not None:
            values[cell(ln)] = int(value_of(ln))
            values[(TOTAL, *cell(ln)[1:])] += int(value_of(ln))  # years never overlap
    pattern = disclosure.protect(categories, dict(values), threshold)
    return [ln for ln in lines if pattern.hidden(cell(ln))]


def reconcile(series: Series, public: bool = False, threshold: int = 5) -> list[Line]:
    synthetic = Case.objects.filter(synthetic=True).exists()
    ids = institution_ids(series.institution)
    run = LinkageRun.current() if series.unit in PEOPLE_UNITS else None
    lines = []
    for o in series.observations.all():
        registry = _registry_value(series, ids, o.period, o.dims)
        line = Line(o.period, o.dims, o.value, registry, o.note)
        if run is not None and series.measure == Measure.COUNT:
            line.persons = unique_persons(ids, series.unit, o.period, o.dims, run)
        line.reasons = _reasons(series, line, synthetic)
        lines.append(line)
    if public and series.measure == Measure.COUNT:
        hidden = _protect(lines, threshold, lambda ln: ln.registry)
        if run is not None:
            hidden += _protect(lines, threshold, lambda ln: ln.persons)
        for line in hidden:
            line.hidden = True  # the count leaves no trace, not even in the reasons
            line.registry = line.persons = None
            line.reasons = _reasons(series, line, synthetic) + [
                "Conteo del registro oculto por control de divulgación / registry count "
                "hidden by disclosure control"
            ]
        if not series.published:  # a table submitted, not published: same rules
            for line in _protect(lines, threshold, lambda ln: ln.official):
                line.official_hidden = True
    return lines


def overlapping_periods(series_list: list[Series]) -> dict[str, set[str]]:
    """Period → institutions reporting it, where more than one does."""
    seen: dict[str, set[str]] = defaultdict(set)
    for s in series_list:
        for o in s.observations.all():
            seen[o.period[:4]].add(s.institution)
    return {p: insts for p, insts in sorted(seen.items()) if len(insts) > 1}


@dataclass
class Overlap:
    """A period several institutions report: their victim records and, after linkage, the
    unique persons among them — how far their separate figures double count."""

    period: str
    institutions: list[str]
    records: int | None = None
    persons: int | None = None
    names: list[str] = field(default_factory=list)  # institutions as the page names them


def overlaps_with_persons(series_list: list[Series], threshold: int = 0) -> list[Overlap]:
    """Each overlapping year with the registry's records and unique persons across the
    institutions reporting it; counts under ``threshold`` are withheld (public view)."""
    run = LinkageRun.current()
    result = []
    for period, codes in overlapping_periods(series_list).items():
        overlap = Overlap(period, sorted(codes))
        if run is not None:
            ids = [i for code in sorted(codes) for i in institution_ids(code)]
            records = _victims(ids, Unit.VICTIMS, period, {}).count()
            people = unique_persons(ids, Unit.VICTIMS, period, {}, run)
            if min(records, people) >= threshold:  # both, or neither: one gives the other
                overlap.records, overlap.persons = records, people
        result.append(overlap)
    return result
