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

A publication may also carry differentially private tables (a line with ``ε=0.5``). They
spend the publication's own budget (``Publication.epsilon_budget``, set by an
administrator), never the drafter's institution's: :func:`quote_dp` gives each table's cost
and what is left before anything is spent, :func:`release_dp` draws the noise once the
drafter confirms (a table already released — same query, same data, same ε — costs
nothing), and approval freezes the noisy tables as the ledger recorded them.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from itertools import product

from nanduti.stats import audit, cellkey, disclosure, dp
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
    milp_rounds: int = 0  # rounds whose secondary cells the integer program chose
    rule_rounds: int = 0  # … the smallest-neighbour rule chose (asked for, or solver failed)

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


def protect(keyed: list[tuple[CrossTab, dict, dict]], secondary: str = "milp") -> Protected:
    """Perturb each table ((table, cells, margins) with record-key sums, as
    :func:`crosstab.build_keyed` gives them), then hide what the attack recovers, in every
    table that shows it, until it recovers nothing.

    A figure recovered although already hidden is pinned by figures still shown in its
    lines: which of them to hide is chosen for all such figures at once by an integer
    program minimising the hidden total (``secondary="milp"``, :func:`_hide_by_milp`), or
    by the rule "the smallest shown figure of its lines" (``secondary="rule"``, also the
    fallback when the solver fails). Either way the attack runs again as the check."""
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
        again = []  # recovered although already hidden: a figure that pins it must go too
        for recovery in result.audit.exact:
            t = perturbed[int(recovery.table[1:])]
            key = tuple(recovery.cell.get(f.name, TOTAL) for f in t.fields)
            if all(k in result.hidden[i] for i, k in places[_identity(t, key)]):
                again.append(recovery)
            for i, k in places[_identity(t, key)]:
                result.hidden[i].add(k)
        if again and sum(len(h) for h in result.hidden) == before:
            if secondary == "milp" and _hide_by_milp(result, again, places):
                result.milp_rounds += 1
            else:
                _hide_a_neighbour(result, again, places)
                result.rule_rounds += 1
        if sum(len(h) for h in result.hidden) == before:
            # Nothing shown is left to hide, so nothing bounds a figure from above: an
            # attack that still pins one down means the audit itself is wrong.
            raise PublicationError(
                "El ataque recupera cifras aunque todo está oculto / the attack recovers "
                "figures although everything is hidden"
            )


BIG_TOTAL = 50  # a margin this large is never hidden while anything else can be


def _hide_by_milp(result: Protected, recovered: list, places: dict) -> bool:
    """For figures recovered although hidden, hide at least one shown figure of their lines
    (the cells and margins that differ from it in one field, in every table that shows it)
    each, choosing the set with the smallest hidden total for all of them at once (a
    weighted set cover; HiGHS through ``scipy.optimize.milp``). Margins of 50 or more are
    left out unless a figure has no other neighbour. False when the solver gives no
    solution (the caller falls back to the rule)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    candidates: dict[tuple, int] = {}  # identity → variable
    weights: list[float] = []
    big: list[bool] = []
    covers: list[list[int]] = []
    for recovery in recovered:
        ti = int(recovery.table[1:])
        t = result.tables[ti]
        key = tuple(recovery.cell.get(f.name, TOTAL) for f in t.fields)
        near = set()
        for i, k in places[_identity(t, key)]:
            table = result.tables[i]
            for other in product(*disclosure.extended_axes(table.categories)):
                if (
                    other in result.hidden[i]
                    or sum(a != b for a, b in zip(other, k, strict=True)) != 1
                ):
                    continue
                ident = _identity(table, other)
                if ident not in candidates:
                    candidates[ident] = len(weights)
                    true = result.exact[i].value(other)
                    weights.append(true + 0.01)  # the hidden total; fewer cells on a tie
                    big.append(TOTAL in other and true >= BIG_TOTAL)
                near.add(candidates[ident])
        small = [j for j in near if not big[j]]
        if not near:
            return False  # nothing shown in its lines: the rule widens the search
        covers.append(small or sorted(near))
    n = len(weights)
    matrix = np.zeros((len(covers), n))
    for r, cover in enumerate(covers):
        matrix[r, cover] = 1
    allowed = np.array([0.0 if b else 1.0 for b in big])
    for cover in covers:  # a figure whose only neighbours are big totals
        if all(big[j] for j in cover):
            allowed[cover] = 1.0
    try:
        solved = milp(
            np.array(weights),
            constraints=LinearConstraint(
                matrix, np.ones(len(covers)), np.full(len(covers), np.inf)
            ),
            bounds=Bounds(np.zeros(n), allowed),
            integrality=np.ones(n),
            options={"time_limit": 60},
        )
    except (ValueError, RuntimeError):
        return False
    if solved.status != 0 or solved.x is None:
        return False
    chosen = {ident for ident, j in candidates.items() if solved.x[j] > 0.5}
    for ident in chosen:
        for i, k in places[ident]:
            result.hidden[i].add(k)
    return bool(chosen)


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


def _at_line(spec: dict, number: int, message: str) -> str:
    """A bilingual «es / en» message prefixed with the table's line, in each language."""
    n = spec.get("line", number)
    es, sep, en = message.partition(" / ")
    return f"Línea {n}: {es} / line {n}: {en}" if sep else f"Línea {n} (line {n}): {message}"


def draft(title: str, specs: list[dict], user) -> Publication:
    """A draft: the tables are checked (fields, unit, filters, ε) but nothing is counted or
    spent yet."""
    from django.conf import settings

    from nanduti.stats import fields as F

    if not specs:
        raise PublicationError("Una publicación necesita tablas / a publication needs tables")
    cap = float(getattr(settings, "NANDUTI_DP_MAX_EPSILON_PER_RELEASE", 1.0))
    for number, spec in enumerate(specs, start=1):
        try:
            F.check_unit(spec.get("unit", "cases"))
            F.parse_fields(spec["by"])
            for f in spec.get("filters", []):
                F.parse_filter(f)
        except F.FieldError as error:
            raise PublicationError(_at_line(spec, number, str(error))) from error
        if "epsilon" in spec:
            eps = spec["epsilon"]
            if not (isinstance(eps, int | float) and math.isfinite(eps) and 0 < eps <= cap):
                read = spec.get("epsilon_text", eps)
                raise PublicationError(
                    _at_line(
                        spec,
                        number,
                        f"ε debe ser un número mayor que 0 y no mayor que {cap:g} (se leyó "
                        f"«{read}») / ε must be a number above 0 and at most {cap:g} (read "
                        f"«{read}»)",
                    )
                )
        spec.pop("epsilon_text", None)
    return Publication.objects.create(title=title, tables=specs, created_by=user)


# ---- Differentially private tables: the publication's own budget -------------------------


def is_dp(spec: dict) -> bool:
    return spec.get("epsilon") is not None


@dataclass
class TableCost:
    index: int
    spec: dict
    quote: dp.Quote | None  # None once released
    release_id: int | None = None

    @property
    def cost(self) -> float:
        return self.quote.cost if self.quote is not None else 0.0

    @property
    def released(self) -> bool:
        return self.release_id is not None


@dataclass
class DPQuote:
    """A publication's differentially private tables: each one's cost, and its budget."""

    budget: float | None  # None: not set by an administrator yet
    spent: float
    tables: list[TableCost]

    @property
    def remaining(self) -> float:
        return max(0.0, (self.budget or 0.0) - self.spent)

    @property
    def pending(self) -> list[TableCost]:
        return [t for t in self.tables if not t.released]

    @property
    def cost(self) -> float:
        """What releasing every table not released yet would spend."""
        return sum(t.cost for t in self.pending)

    @property
    def affordable(self) -> bool:
        """Free repeats need no budget; anything else needs one set, with enough left."""
        if self.cost <= 0:
            return True
        return self.budget is not None and self.cost <= self.remaining + 1e-9

    @property
    def remaining_after(self) -> float:
        return max(0.0, self.remaining - self.cost)


def _table_of(spec: dict):
    from nanduti.stats import crosstab as ct

    return ct.run(spec["by"], spec.get("unit", "cases"), spec.get("filters", []))


def quote_dp(publication: Publication) -> DPQuote:
    """What the publication's DP tables would cost, before anything is spent."""
    pool = dp.Pool.of_publication(publication)
    costs = []
    for i, spec in enumerate(publication.tables):
        if not is_dp(spec):
            continue
        if spec.get("release"):
            costs.append(TableCost(i, spec, None, spec["release"]))
            continue
        costs.append(TableCost(i, spec, dp.quote(_table_of(spec), spec["epsilon"], pool=pool)))
    return DPQuote(publication.epsilon_budget, dp.spent(pool), costs)


def release_dp(publication: Publication, user=None, confirmed_cost: float | None = None) -> DPQuote:
    """Release (draw the noise of) every DP table of a draft not released yet, charged to the
    publication's budget. Refused as a whole — nothing spent — when the budget is not set,
    when the tables together would exceed it, or when they would now cost more than the
    ``confirmed_cost`` the drafter saw."""
    if publication.status != Publication.DRAFT:
        raise PublicationError("Ya aprobada: congelada / already approved: frozen")
    current = quote_dp(publication)
    if not current.pending:
        return current
    if current.budget is None and current.cost > 0:
        raise PublicationError(
            "Esta publicación no tiene presupuesto de privacidad: la administración debe fijarlo "
            "antes de publicar tablas con privacidad diferencial; no se gastó nada / this "
            "publication has no privacy budget: an administrator must set it before "
            "differentially private tables are released; nothing was spent"
        )
    if not current.affordable:
        raise PublicationError(
            f"Presupuesto de privacidad de la publicación insuficiente: quedan "
            f"ε={current.remaining:g} de {current.budget:g} y sus tablas piden "
            f"ε={current.cost:g}; no se publicó nada / the publication's privacy budget is "
            f"exceeded: ε={current.remaining:g} of {current.budget:g} left and its tables ask "
            f"ε={current.cost:g}; nothing was released"
        )
    if confirmed_cost is not None and current.cost > confirmed_cost + 1e-9:
        raise PublicationError(
            f"El costo cambió (ε={confirmed_cost:g} confirmado, ahora ε={current.cost:g}: los "
            f"datos cambiaron); revise y confirme de nuevo / the cost changed (ε="
            f"{confirmed_cost:g} confirmed, now ε={current.cost:g}: the data changed); review "
            "and confirm again"
        )
    pool = dp.Pool.of_publication(publication)
    actor = f"web:{getattr(user, 'username', '')}" if user is not None else "cli"
    tables = [dict(spec) for spec in publication.tables]
    try:
        with dp.pool_turn(pool):
            for cost in current.pending:
                spec = tables[cost.index]
                _, record = dp.release(
                    _table_of(spec), spec["epsilon"], user=user, actor=actor, pool=pool
                )
                spec["release"] = record.pk
            publication.tables = tables
            publication.save(update_fields=["tables"])
    except dp.PrivacyError as error:
        raise PublicationError(str(error)) from error
    return quote_dp(publication)


def set_budget(publication: Publication, epsilon, user=None, operator: bool = False) -> None:
    """An administrator sets the ε a publication's DP tables may spend together."""
    from nanduti.registry import permissions
    from nanduti.registry.models import Role

    if not operator and permissions.role(user) != Role.ADMIN:
        raise PublicationError(
            "Solo la administración fija presupuestos de privacidad / only administrators set "
            "privacy budgets"
        )
    if publication.status != Publication.DRAFT:
        raise PublicationError("Ya aprobada: congelada / already approved: frozen")
    try:
        value = float(epsilon)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise PublicationError(
            f"Presupuesto ε: se espera un número ≥ 0, se leyó «{str(epsilon)[:20]}» / ε budget: "
            f"a number ≥ 0 was expected, read «{str(epsilon)[:20]}»"
        )
    pool = dp.Pool.of_publication(publication)
    try:
        # A release in flight spends from the budget being changed: read what it spent after.
        with dp.pool_turn(pool):
            used = dp.spent(pool)
            if value < used - 1e-9:
                raise PublicationError(
                    f"La publicación ya gastó ε={used:g}: el presupuesto no puede ser menor / "
                    f"the publication has already spent ε={used:g}: the budget cannot be lower"
                )
            publication.epsilon_budget = value
            publication.save(update_fields=["epsilon_budget"])
    except dp.PrivacyError as error:
        raise PublicationError(str(error)) from error


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
    waiting = [i + 1 for i, s in enumerate(publication.tables) if is_dp(s) and not s.get("release")]
    if waiting:
        numbers = ", ".join(str(n) for n in waiting)
        raise PublicationError(
            f"Tablas con privacidad diferencial aún sin publicar (n.º {numbers}): quien redacta "
            f"debe confirmar su costo primero / differentially private tables not released yet "
            f"(no. {numbers}): the drafter must confirm their cost first"
        )
    perturbed = [i for i, s in enumerate(publication.tables) if not is_dp(s)]
    keyed = [
        ct.run(s["by"], s.get("unit", "cases"), s.get("filters", []), keyed=True)
        for s in (publication.tables[i] for i in perturbed)
    ]
    protected = protect(keyed)
    report = protected.audit
    assert report is not None  # protect() audits every round it tries
    if report.exact:  # protect() only returns once the attack recovers nothing
        raise PublicationError(
            f"El ataque recupera {len(report.exact)} cifras protegidas: no se aprueba / "
            f"the attack recovers {len(report.exact)} protected figures: not approved"
        )
    position = {i: n for n, i in enumerate(perturbed)}
    publication.frozen = [
        _freeze_dp(spec) if is_dp(spec) else _freeze(protected, position[i], spec)
        for i, spec in enumerate(publication.tables)
    ]
    publication.audit = report.as_dict()
    publication.hidden_share = protected.hidden_share()
    publication.status = Publication.APPROVED
    publication.approved_by = user if getattr(user, "is_authenticated", False) else None
    publication.approved_at = timezone.now()
    publication.save()
    return protected


def _frozen(t, spec: dict, mode: str, version, figures: list, **extra) -> dict:
    """What a publication stores of one table: how it was asked for and its shown figures."""
    return {
        "title": spec.get("title") or "",
        "by": [f.name for f in t.fields],
        "unit": t.unit,
        "filters": list(spec.get("filters", [])),
        "categories": t.categories,
        "mode": mode,
        "version": version,
        **extra,
        "figures": figures,
    }


def _freeze_dp(spec: dict) -> dict:
    """A DP table as the ledger recorded its release: the noisy counts, margins summed."""
    from nanduti.stats.models import PrivacyRelease

    record = PrivacyRelease.objects.get(pk=spec["release"])
    t = dp.ledger_table(_table_of(spec), record)
    axes = disclosure.extended_axes(t.categories)
    figures = [[list(k), t.value(k)] for k in product(*axes)]
    return _frozen(
        t,
        spec,
        "dp",
        record.data_version,
        figures,
        epsilon=record.epsilon,
        sensitivity=record.sensitivity,
        scale=record.scale,
        mechanism=record.mechanism,
        release=record.pk,
    )


def _freeze(protected: Protected, i: int, spec: dict) -> dict:
    t = protected.tables[i]
    axes = disclosure.extended_axes(t.categories)
    # Only what is shown is stored: perturbed figures, "<5", and None for a hidden one.
    figures = [
        [list(k), None if k in protected.hidden[i] else protected.shown(i, k)]
        for k in product(*axes)
    ]
    return _frozen(t, spec, "cellkey", t.version, figures)


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
        if mode == "dp":
            out.append((table, _dp_result(publication, table, t)))
            continue
        hidden = {k for k, v in figures.items() if v is None}
        threshold = table.get("threshold", cellkey.SMALL)
        suppression = disclosure.Suppression(threshold, suppressed=hidden)
        method = METHOD if mode == "cellkey" else LEGACY_METHOD
        out.append((table, Result(t, mode, threshold, suppression, method=method)))
    return out


def _dp_result(publication: Publication, table: dict, t: CrossTab):
    from types import SimpleNamespace

    from nanduti.stats.publish import Result

    # What the method note needs of the release, as frozen (the ledger row may be read too).
    release = SimpleNamespace(
        mechanism=table.get("mechanism", ""),
        sensitivity=table.get("sensitivity"),
        scale=table.get("scale"),
        pk=table.get("release"),
    )
    note = (
        "Recuentos con ruido diferencialmente privado, congelados al aprobar; los totales son "
        "sumas de celdas con ruido / differentially private noisy counts, frozen at approval; "
        "totals are sums of noisy cells"
    )
    return Result(
        t,
        "dp",
        epsilon=table.get("epsilon"),
        release=release,
        notes=[note],
        pool=dp.Pool.of_publication(publication),
    )


def audit_frozen(publication: Publication) -> AuditReport:
    """The attack on what an approved publication shows (its frozen tables, margins
    included), against the registry as it is now."""
    results = frozen_results(publication)
    return audit.audit([audit.from_result(r, f"T{i}") for i, (_, r) in enumerate(results)])


def _unit_code(name: str) -> str:
    """A counting unit as the form's example writes it, in Spanish or English («víctimas»,
    «victimas», «victims»): its code; anything else is left for the check to name."""
    import unicodedata

    from nanduti.stats import fields as F

    def plain(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.lower())
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    for code, (es, en) in F.UNIT_LABELS.items():
        if plain(name) in (code, plain(es), plain(en), plain(es.split()[0])):
            return code
    return name


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
        spec: dict = {
            "unit": _unit_code(unit.strip()) or "cases",
            "by": by.strip(),
            "filters": [],
            "title": title.strip(),
            "line": number,
        }
        for token in filters.split():
            name, _, value = token.partition("=")
            if name.lower() in ("ε", "epsilon", "eps"):
                # A differentially private table with this ε (checked by draft()).
                spec["epsilon_text"] = value
                try:
                    spec["epsilon"] = float(value.replace(",", "."))
                except ValueError:
                    spec["epsilon"] = math.nan
            else:
                spec["filters"].append(token)
        specs.append(spec)
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
