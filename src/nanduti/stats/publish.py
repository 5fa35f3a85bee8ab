"""One entry point for every edge (CLI, web, API): count, then protect, then describe.

``produce`` builds the cross-tab, applies the privacy mode the caller may use, and
returns everything a page or file needs to make each figure traceable: the query, the
counting unit, the privacy mode and its parameters, and the data version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from nanduti.registry import permissions
from nanduti.registry.models import Role
from nanduti.stats import cellkey, crosstab, disclosure, dp, persons
from nanduti.stats import fields as F

MODES = ("none", "cellkey", "suppress", "dp")
# What a caller who may not see exact counts gets unless they ask for something else.
PROTECTED_DEFAULT = "cellkey"


class PermissionDenied(PermissionError):
    """The caller may not use the requested privacy mode."""


@dataclass
class Result:
    table: crosstab.CrossTab
    mode: str
    threshold: int | None = None
    suppression: disclosure.Suppression | None = None
    epsilon: float | None = None
    release: object | None = None
    notes: list[str] = field(default_factory=list)
    changed: int | None = None  # cell-key: figures the perturbation moved
    pool: dp.Pool | None = None  # DP: whose budget was spent
    method: str = "hypercube complementary suppression"  # suppress: how the pattern was chosen

    def hidden(self, key: tuple) -> bool:
        return self.suppression is not None and self.suppression.hidden(key)

    def shown(self, key: tuple):
        """The published value of a cell: an int, the suppression mark or ``<5``."""
        if self.hidden(key):
            return disclosure.MARK
        value = self.table.value(key)
        return cellkey.shown(value) if self.mode == "cellkey" else value

    def description(self) -> dict:
        t = self.table
        privacy: dict = {"mode": self.mode}
        if self.mode == "suppress":
            privacy.update(
                threshold=self.threshold,
                method=self.method,
                hidden_cells=len(self.suppression.suppressed) if self.suppression else 0,
            )
        if self.mode == "cellkey":
            privacy.update(
                method="cell-key perturbation",
                max_perturbation=cellkey.MAX_PERTURBATION,
                variance=cellkey.VARIANCE,
                small_cells=cellkey.SMALL_MARK,
                changed=self.changed,
            )
            if self.suppression is not None:  # a publication: what its audit made hidden
                privacy.update(method=self.method, hidden_cells=len(self.suppression.suppressed))
        if self.mode == "dp":
            privacy.update(
                epsilon=self.epsilon,
                mechanism=getattr(self.release, "mechanism", ""),
                sensitivity=getattr(self.release, "sensitivity", None),
                scale=getattr(self.release, "scale", None),
                release_id=getattr(self.release, "pk", None),
                budget=dp.budget(self.pool or dp.Pool()),
                spent=dp.spent(self.pool or dp.Pool()),
            )
        return {
            "by": [f.name for f in t.fields],
            "unit": t.unit,
            "filters": [{"field": f.name, "value": v} for f, v in t.filters],
            "scope": t.scope,
            "privacy": privacy,
            "multi_valued": t.multi_valued,
            "data_version": t.version,
            "total": self.shown((crosstab.TOTAL,) * len(t.fields)),
            "notes": self.notes,
        }


def allowed_modes(user=None, operator: bool = False, own_scope: bool = False) -> list[str]:
    """Privacy modes a caller may use.

    Exact counts (and per-table suppression, whose tables can be differenced against each
    other) only for the command line, administrators and an institution's own cases;
    everyone else tabulates with cell-key perturbation, or spends a DP budget."""
    if operator or own_scope or permissions.role(user) == Role.ADMIN:
        return list(MODES)
    if not getattr(user, "is_authenticated", False):
        return [PROTECTED_DEFAULT]
    return [PROTECTED_DEFAULT, "dp"]


def default_mode(user=None, operator: bool = False, own_scope: bool = False) -> str:
    """Exact counts for whoever may see them, cell-key perturbation for everyone else."""
    return "none" if "none" in allowed_modes(user, operator, own_scope) else PROTECTED_DEFAULT


def multi_note(table: crosstab.CrossTab) -> list[str]:
    if not table.multi_valued:
        return []

    def names(language: str) -> str:
        found = [(F.FIELDS.get(n), n) for n in table.multi_valued]
        return ", ".join(f.label(language) if f else n for f, n in found)

    return [
        f"Campos con varios valores por unidad ({names('es')}): cada unidad cuenta una vez en "
        "cada valor y una vez en el total, por lo que las celdas pueden sumar más que el total / "
        f"multi-valued fields ({names('en')}): each unit counts once per value and once in the "
        "total, "
        "so cells can add up to more than the total"
    ]


def produce(
    by,
    unit: str = "cases",
    filters: list[str] | None = None,
    privacy: str | None = None,
    threshold: int | None = None,
    epsilon: float | None = None,
    user=None,
    operator: bool = False,
    scope: dict | None = None,
    scope_label: str = "all",
    actor: str = "",
) -> Result:
    if privacy is not None and privacy not in MODES:
        raise F.FieldError(
            f"Modo de privacidad desconocido «{privacy}» / unknown privacy mode «{privacy}»; "
            "válidos / valid: " + ", ".join(MODES)
        )
    own_scope = bool(scope and scope.get("institution_id") == permissions.institution_id(user))
    privacy = privacy or default_mode(user, operator, own_scope)
    if privacy not in allowed_modes(user, operator, own_scope):
        raise PermissionDenied(
            f"El modo «{privacy}» no está permitido para este usuario / privacy mode «{privacy}» "
            "is not allowed for this user; permitidos / allowed: "
            + ", ".join(allowed_modes(user, operator, own_scope))
        )
    if privacy == "cellkey":
        table, cells, margins = crosstab.run(by, unit, filters, scope, scope_label, keyed=True)
    else:
        table = crosstab.run(by, unit, filters, scope, scope_label)
    notes = multi_note(table)
    if "linkage_run" in table.version:
        notes.append(persons.method_note(table.version["linkage_run"]))
    if table.empty:
        notes.append(
            "Ningún registro cumple los filtros: el resultado está vacío / "
            "no record matches the filters: the result is empty"
        )
    if privacy == "none":
        return Result(table, "none", notes=notes)
    if privacy == "cellkey":
        protected = cellkey.protect(table, cells, margins)
        return Result(protected.table, "cellkey", notes=notes, changed=protected.changed)
    # Whoever may not see exact counts may not loosen the protection either.
    exact_ok = "none" in allowed_modes(user, operator, own_scope)
    if privacy == "suppress":
        default = int(settings.NANDUTI_SUPPRESSION_THRESHOLD)
        threshold = int(threshold or default)
        if not exact_ok and threshold < default:
            notes.append(
                f"Umbral elevado al mínimo configurado ({default}) / threshold raised to the "
                f"configured minimum ({default})"
            )
            threshold = default
        return Result(
            table, "suppress", threshold, disclosure.suppress(table, threshold), notes=notes
        )
    eps = float(epsilon if epsilon is not None else 1.0)
    cap = float(getattr(settings, "NANDUTI_DP_MAX_EPSILON_PER_RELEASE", 1.0))
    if not exact_ok and eps > cap:
        raise dp.PrivacyError(
            f"ε={eps:g} supera el máximo por publicación ({cap:g}) para este usuario / "
            f"ε={eps:g} exceeds the per-release maximum ({cap:g}) for this user"
        )
    noisy, record = dp.release(table, eps, user=user, actor=actor, scope=scope)
    notes.append(
        "Recuentos con ruido diferencialmente privado; los totales son sumas de celdas con ruido / "
        "differentially private noisy counts; totals are sums of noisy cells"
    )
    return Result(
        noisy, "dp", epsilon=record.epsilon, release=record, notes=notes, pool=dp.Pool.of(user)
    )


def quote(
    by, unit="cases", filters=None, epsilon=None, user=None, scope=None, scope_label="all"
) -> dp.Quote:
    """What a differentially private release of this query would cost the caller's budget."""
    table = crosstab.run(by, unit, filters, scope, scope_label)
    return dp.quote(table, float(epsilon if epsilon is not None else 1.0), user)
