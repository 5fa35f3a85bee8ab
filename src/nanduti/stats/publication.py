"""Curated publications: a set of tables perturbed by the cell-key method and audited together.

A publication's tables are published as the cell-key method perturbs them (the perturbation
every ad-hoc table gets, :mod:`nanduti.stats.cellkey`): a cell — the same units — has the
same figure in every table of the publication and in every table an analyst can draw, so
putting a publication beside ad-hoc tables gives an intruder nothing new; figures of 1–4
are shown as ``<5``; margins are perturbed from their own units, never summed; nothing of
size is hidden.

Suppression was tried first (one integer program choosing the secondary cells for the
whole set, tau-Argus style). It hid two thirds of what the per-table hypercube method
hides, still hid a total of 55, and its cut loop did not always end with an attack that
recovers nothing (multi-valued tables): ``docs/stats_disclosure.md`` has the figures.

Before approval the linear-programming attack (:mod:`nanduti.stats.audit`) runs over all
the tables and their margins; a figure it pins down exactly is hidden (``—``) in every table
that shows it, and the attack runs again, until it recovers nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from itertools import product

from nanduti.stats import audit, cellkey, disclosure
from nanduti.stats.audit import AuditReport, Obtained  # names: Protected.audit hides the module
from nanduti.stats.crosstab import TOTAL, CrossTab
from nanduti.stats.models import Publication

METHOD = "cell-key perturbation, audited together"
LEGACY_METHOD = "joint optimal suppression, audited"  # publications frozen before cell-key


@dataclass
class Protected:
    exact: list[CrossTab]  # the true counts (never stored)
    tables: list[CrossTab]  # as perturbed
    hidden: list[set] = field(default_factory=list)  # per table, keys hidden after the attack
    audit: AuditReport | None = None
    rounds: int = 0

    def shown(self, i: int, key: tuple):
        if key in self.hidden[i]:
            return disclosure.MARK
        return cellkey.shown(self.tables[i].value(key))

    def obtained(self) -> list[Obtained]:
        out = []
        for i, t in enumerate(self.tables):
            axes = disclosure.extended_axes(t.categories)
            shown = {k: self.shown(i, k) for k in product(*axes)}
            out.append(Obtained(t.fields, t.unit, list(t.filters), "cellkey", shown, f"T{i}"))
        return out

    def hidden_share(self) -> float:
        """Share of the tables' total count hidden (``—``; inner cells)."""
        return hidden_share(self.exact, self.hidden)

    def small_share(self) -> float:
        """Share of the tables' total count in inner cells shown as ``<5`` (a range, not a
        count: the information given up for the small cells)."""
        small = [
            {k for k in t.cells if self.shown(i, k) == cellkey.SMALL_MARK}
            for i, t in enumerate(self.tables)
        ]
        return hidden_share(self.exact, small)


def hidden_share(tables: list[CrossTab], hidden: list[set]) -> float:
    lost = whole = 0
    for t, h in zip(tables, hidden, strict=True):
        whole += sum(t.cells.values())
        lost += sum(n for k, n in t.cells.items() if k in h)
    return lost / whole if whole else 0.0


def _identity(t: CrossTab, key: tuple) -> tuple:
    named = frozenset((f.name, v) for f, v in zip(t.fields, key, strict=True) if v != TOTAL)
    return (t.unit, tuple((f.name, str(v)) for f, v in t.filters), named)


def protect(keyed: list[tuple[CrossTab, dict, dict]]) -> Protected:
    """Perturb each table ((table, cells, margins) with record-key sums, as
    :func:`crosstab.build_keyed` gives them), then hide what the attack recovers, in every
    table that shows it, until it recovers nothing."""
    exact = [t for t, _, _ in keyed]
    perturbed = [cellkey.protect(t, cells, margins).table for t, cells, margins in keyed]
    result = Protected(exact, perturbed, [set() for _ in exact])
    places: dict[tuple, list[tuple[int, tuple]]] = {}
    for i, t in enumerate(perturbed):
        for key in product(*disclosure.extended_axes(t.categories)):
            places.setdefault(_identity(t, key), []).append((i, key))
    # Each round hides at least one more figure, so the loop ends (at worst all are hidden).
    while True:
        result.rounds += 1
        result.audit = audit.audit(result.obtained())
        if not result.audit.exact:
            return result
        before = sum(len(h) for h in result.hidden)
        for recovery in result.audit.exact:
            t = perturbed[int(recovery.table[1:])]
            key = tuple(recovery.cell.get(f.name, TOTAL) for f in t.fields)
            for i, k in places[_identity(t, key)]:
                result.hidden[i].add(k)
        if sum(len(h) for h in result.hidden) == before:
            _hide_a_neighbour(result, result.audit.exact, places)
        if sum(len(h) for h in result.hidden) == before:
            # Nothing shown is left to hide, so nothing bounds a figure from above: an
            # attack that still pins one down means the audit itself is wrong.
            raise PublicationError(
                "El ataque recupera cifras aunque todo está oculto / the attack recovers "
                "figures although everything is hidden"
            )


def _hide_a_neighbour(result: Protected, recovered: list, places: dict) -> None:
    """A figure recovered although hidden: hide the smallest shown figure of its lines too
    (the figures that pinned it), or failing that of its table, or of any table."""
    for recovery in recovered:
        ti = int(recovery.table[1:])
        t = result.tables[ti]
        key = tuple(recovery.cell.get(f.name, TOTAL) for f in t.fields)
        shown = {
            i: [
                k
                for k in product(*disclosure.extended_axes(other.categories))
                if k not in result.hidden[i] and other.value(k) > 0
            ]
            for i, other in enumerate(result.tables)
        }
        near = [k for k in shown[ti] if sum(a != b for a, b in zip(k, key, strict=True)) == 1]
        anywhere = [(i, k) for i, keys in shown.items() for k in keys]
        for candidates in ([(ti, k) for k in near], [(ti, k) for k in shown[ti]], anywhere):
            if candidates:
                i, smallest = min(candidates, key=lambda c: result.tables[c[0]].value(c[1]))
                other = result.tables[i]
                for j, k in places[_identity(other, smallest)]:
                    result.hidden[j].add(k)
                break


class PublicationError(ValueError):
    """A publication that cannot be drafted or approved (bilingual message)."""


def draft(title: str, specs: list[dict], user) -> Publication:
    """A draft: the tables are checked (fields, unit, filters) but nothing is counted yet."""
    from nanduti.stats import fields as F

    if not specs:
        raise PublicationError("Una publicación necesita tablas / a publication needs tables")
    for spec in specs:
        F.check_unit(spec.get("unit", "cases"))
        F.parse_fields(spec["by"])
        for f in spec.get("filters", []):
            F.parse_filter(f)
    return Publication.objects.create(title=title, tables=specs, created_by=user)


def approve(publication: Publication, user=None, operator: bool = False) -> Protected:
    """Perturb the tables, audit them together, and freeze what is shown; refused when the
    attack still recovers a protected figure. ``operator``: the command line (the demo)."""
    from django.utils import timezone

    from nanduti.registry import permissions
    from nanduti.registry.models import Role
    from nanduti.stats import crosstab as ct

    if not operator and permissions.role(user) not in (Role.STEWARD, Role.ADMIN):
        raise PublicationError(
            "Solo responsables de datos aprueban publicaciones / only data stewards approve"
        )
    if publication.status != Publication.DRAFT:
        raise PublicationError("Ya aprobada: congelada / already approved: frozen")
    keyed = [
        ct.run(s["by"], s.get("unit", "cases"), s.get("filters", []), keyed=True)
        for s in publication.tables
    ]
    protected = protect(keyed)
    report = protected.audit
    assert report is not None  # protect() audits every round it tries
    if report.exact:  # protect() only returns once the attack recovers nothing
        raise PublicationError(
            f"El ataque recupera {len(report.exact)} cifras protegidas: no se aprueba / "
            f"the attack recovers {len(report.exact)} protected figures: not approved"
        )
    publication.frozen = [_freeze(protected, i, spec) for i, spec in enumerate(publication.tables)]
    publication.audit = report.as_dict()
    publication.hidden_share = protected.hidden_share()
    publication.status = Publication.APPROVED
    publication.approved_by = user if getattr(user, "is_authenticated", False) else None
    publication.approved_at = timezone.now()
    publication.save()
    return protected


def _freeze(protected: Protected, i: int, spec: dict) -> dict:
    t = protected.tables[i]
    axes = disclosure.extended_axes(t.categories)
    return {
        "title": spec.get("title") or "",
        "by": [f.name for f in t.fields],
        "unit": t.unit,
        "filters": list(spec.get("filters", [])),
        "categories": t.categories,
        "mode": "cellkey",
        "version": t.version,
        # Only what is shown is stored: perturbed figures, "<5", and None for a hidden one.
        "figures": [
            [list(k), None if k in protected.hidden[i] else protected.shown(i, k)]
            for k in product(*axes)
        ],
    }


def frozen_results(publication: Publication) -> list:
    """The frozen tables as results the pages and the report lay out like any other."""
    from nanduti.stats import fields as F
    from nanduti.stats.publish import Result

    out = []
    for table in publication.frozen:
        fields_ = F.parse_fields(table["by"])
        mode = table.get("mode", "suppress")
        figures = {tuple(k): v for k, v in table["figures"]}
        # "<5" stands for any of 1–4 (the figure itself is not kept): 1 is shown as "<5".
        shown = {
            k: 1 if v == cellkey.SMALL_MARK else v for k, v in figures.items() if v is not None
        }
        t = CrossTab(
            fields=fields_,
            unit=table["unit"],
            filters=[F.parse_filter(f) for f in table["filters"]],
            categories=table["categories"],
            cells={k: v for k, v in shown.items() if TOTAL not in k and v},
            margins={k: v for k, v in shown.items() if TOTAL in k},
            multi_valued=[f.name for f in fields_ if f.multi_for(table["unit"])],
            version=table["version"],
        )
        hidden = {k for k, v in figures.items() if v is None}
        threshold = table.get("threshold", cellkey.SMALL)
        suppression = disclosure.Suppression(threshold, suppressed=hidden)
        method = METHOD if mode == "cellkey" else LEGACY_METHOD
        out.append((table, Result(t, mode, threshold, suppression, method=method)))
    return out


def audit_frozen(publication: Publication) -> AuditReport:
    """The attack on what an approved publication shows (its frozen tables, margins
    included), against the registry as it is now."""
    results = frozen_results(publication)
    return audit.audit([audit.from_result(r, f"T{i}") for i, (_, r) in enumerate(results)])


def parse_specs(text: str) -> list[dict]:
    """Table lines of the draft form: ``unit: field,field [| filter=value …] [# title]``."""
    specs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        line, _, title = line.partition("#")
        head, _, filters = line.partition("|")
        unit, sep, by = head.partition(":")
        if not sep:
            unit, by = "cases", head
        specs.append(
            {
                "unit": unit.strip() or "cases",
                "by": by.strip(),
                "filters": filters.split(),
                "title": title.strip(),
                "line": number,
            }
        )
    return specs


PANELS = [
    # The demo's first publication: (fields, unit, Spanish title, English title)
    (["year"], "cases", "Casos por año", "Cases per year"),
    (["department"], "cases", "Casos por departamento", "Cases by department"),
    (
        ["sex", "age_band"],
        "victims",
        "Víctimas por sexo y franja de edad",
        "Victims by sex and age band",
    ),
    (
        ["technology"],
        "cases",
        "Casos por categoría de tecnología usada",
        "Cases by technology category used",
    ),
    (["platform"], "cases", "Casos por plataforma", "Cases by platform"),
    (["exploitation"], "cases", "Casos por tipo de explotación", "Cases by exploitation type"),
]


def publish_demo_panels() -> Publication:
    """The demo's first publication (the public page's panels), approved by the operator."""
    specs = [
        {"by": ",".join(by), "unit": unit, "filters": [], "title": f"{es} / {en}"}
        for by, unit, es, en in PANELS
    ]
    publication = draft("Estadísticas de la demo / demo statistics", specs, None)
    # When the attack still wins, it stays a draft for a steward; the page says so.
    with contextlib.suppress(PublicationError):
        approve(publication, operator=True)
    return publication
