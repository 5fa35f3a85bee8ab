"""Differentially private cross-tabs through OpenDP, with a privacy ledger and a budget.

Mechanism: the discrete Laplace (geometric) mechanism of OpenDP on the vector of *all*
cells of the table — every combination of the fields' declared values, zeros included,
so the list of categories itself leaks nothing. Sensitivity (L1, add/remove one unit):
1 when every field is single-valued for the counting unit. With multi-valued fields a
unit can sit in several cells, so its contributions are *clipped*: a unit counts in at
most ``bound`` cells (default 3; a random ``bound`` of its cells when it has more), and
the sensitivity is ``bound``. Scale = sensitivity / ε.

Post-processing (free in privacy terms): negative counts become 0, margins are sums of
the noisy cells (so in tables with multi-valued fields a total counts a unit once per
value). Every release is written to ``PrivacyRelease`` with who, when, the query, ε,
sensitivity and the noisy result; the same query over the same data returns the stored
result without spending ε again (the cost of a query is shown before, by :func:`quote`).

Budgets are per pool, never one for the whole registry: each institution spends its own
(``PrivacyBudget``, set by an administrator; default ``settings.NANDUTI_DP_EPSILON_BUDGET``),
a user without an institution spends their own, a publication's tables spend the
publication's (``Publication.epsilon_budget``, set by an administrator; none until set), and
a release that would take its pool past the budget is refused — nobody can use up anyone
else's. Releases from one pool take turns (:func:`wait_for_turn`): two at the same moment
cannot both pass the budget check.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import math
import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations, product

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Sum

from nanduti.stats import fields as F
from nanduti.stats.crosstab import (
    TOTAL,
    CrossTab,
    _order,
    _path_for_unit,
    _unit_key,
    base_queryset,
    keys_as_text,
)
from nanduti.stats.models import PrivacyBudget, PrivacyPoolLock, PrivacyRelease

MAX_CELLS = 2_000_000
FIRST_YEAR = 2000


class PrivacyError(ValueError):
    """A release refused: budget exceeded, bad ε, or data past the declared bound."""


@dataclass(frozen=True)
class Pool:
    """Whose budget a release spends: a publication's, an institution's, a user's, or the
    operator's."""

    institution_id: int | None = None
    user_id: int | None = None
    publication_id: int | None = None

    @classmethod
    def of_publication(cls, publication) -> Pool:
        return cls(publication_id=publication.pk)

    @classmethod
    def of(cls, user=None) -> Pool:
        from nanduti.registry import permissions

        own = permissions.institution_id(user)
        if own is not None:
            return cls(institution_id=own)
        if getattr(user, "is_authenticated", False):
            return cls(user_id=user.pk)
        return cls()

    def releases(self):
        if self.publication_id is not None:
            return PrivacyRelease.objects.filter(publication_id=self.publication_id)
        # A release made for a publication spent the publication's budget, not its maker's.
        own = PrivacyRelease.objects.filter(publication__isnull=True)
        if self.institution_id is not None:
            return own.filter(institution_id=self.institution_id)
        return own.filter(institution__isnull=True, user_id=self.user_id)

    @property
    def key(self) -> str:
        """The pool's name in ``PrivacyPoolLock``."""
        if self.publication_id is not None:
            return f"publication:{self.publication_id}"
        if self.institution_id is not None:
            return f"institution:{self.institution_id}"
        return f"user:{self.user_id}" if self.user_id else "operator"

    def label(self) -> str:
        if self.publication_id is not None:
            from nanduti.stats.models import Publication

            title = Publication.objects.get(pk=self.publication_id).title
            return f"«{title}» (n.º {self.publication_id})"
        if self.institution_id is not None:
            from nanduti.registry.models import Institution

            return Institution.objects.get(pk=self.institution_id).code
        return f"user:{self.user_id}" if self.user_id else "operador / operator"


def budget(pool: Pool = Pool()) -> float:
    found = None
    if pool.publication_id is not None:
        from nanduti.stats.models import Publication

        value = Publication.objects.get(pk=pool.publication_id).epsilon_budget
        return float(value or 0.0)  # not set by an administrator yet: nothing to spend
    if pool.institution_id is not None:
        found = PrivacyBudget.objects.filter(institution_id=pool.institution_id).first()
    elif pool.user_id is not None:
        found = PrivacyBudget.objects.filter(user_id=pool.user_id).first()
    return float(found.epsilon if found else settings.NANDUTI_DP_EPSILON_BUDGET)


def spent(pool: Pool = Pool()) -> float:
    return float(pool.releases().aggregate(s=Sum("epsilon"))["s"] or 0.0)


def remaining(pool: Pool = Pool()) -> float:
    return max(0.0, budget(pool) - spent(pool))


@dataclass
class Quote:
    """What a release would cost, before anything is spent."""

    epsilon: float
    cost: float  # 0 when the same query over the same data was released before
    sensitivity: int
    budget: float
    spent: float
    pool: str

    @property
    def remaining(self) -> float:
        return max(0.0, self.budget - self.spent)

    @property
    def affordable(self) -> bool:
        return self.cost <= self.remaining + 1e-9


def sensitivity_of(table: CrossTab, bound: int = 3) -> int:
    """L1 sensitivity: 1 when each unit sits in one cell (a victim has one sex), else the
    clipping bound (a case may have several platforms)."""
    return int(bound) if table.multi_valued else 1


def quote(
    table: CrossTab, epsilon: float, user=None, bound: int = 3, pool: Pool | None = None
) -> Quote:
    """The cost of releasing ``table`` with ``epsilon`` from ``pool`` (default: the user's)."""
    pool = pool or Pool.of(user)
    repeated = previous_release(table, epsilon, bound) is not None
    return Quote(
        float(epsilon),
        0.0 if repeated else float(epsilon),
        sensitivity_of(table, bound),
        budget(pool),
        spent(pool),
        pool.label(),
    )


def previous_release(table: CrossTab, epsilon: float, bound: int = 3) -> PrivacyRelease | None:
    """The release of the same query over the same data with the same ε, if there was one:
    asking again is free (its noisy answer is given back)."""
    key = _key(query_description(table), table.version, float(epsilon), bound)
    return PrivacyRelease.objects.filter(query_key=key).order_by("pk").first()


def domain(f: F.Field, observed: set) -> list:
    """The declared values of a field: the cells that exist whatever the data say."""
    if f.kind == "year":
        years = list(range(FIRST_YEAR, datetime.date.today().year + 1))
        return years + [F.NOT_RECORDED]
    if f.kind == "bool":
        return [False, True]
    if f.kind == "institution":
        from nanduti.registry.models import Institution

        return list(Institution.objects.values_list("code", flat=True)) + [F.NOT_RECORDED]
    if f.kind == "source":
        from nanduti.registry.models import Source

        return [c for c, _ in Source.choices]
    values = f.values()
    if not values:  # vocabulary not shipped: fall back to what was observed
        values = sorted(v for v in observed if v != F.NOT_RECORDED)
    return values + [F.NOT_RECORDED]


def clipped_counts(table: CrossTab, scope: dict | None, bound: int) -> dict[tuple, int]:
    """Cell counts where each unit counts in at most ``bound`` cells (chosen at random).

    The unit is the counting unit's own key: a case, a victim record, or — counting unique
    persons — the person behind one or several victim records."""
    qs = base_queryset(table.unit, table.filters, scope)
    paths = [_path_for_unit(f, table.unit) for f in table.fields]
    qs, paths = keys_as_text(qs, paths)
    unit_key = _unit_key(qs)
    per_unit: dict[int, set] = defaultdict(set)
    rows = qs.order_by().values_list(unit_key, *paths).distinct()
    for row in rows.iterator(chunk_size=20000):
        per_unit[row[0]].add(tuple(F.NOT_RECORDED if v is None else v for v in row[1:]))
    rng = secrets.SystemRandom()
    counts: dict[tuple, int] = defaultdict(int)
    for keys in per_unit.values():
        chosen = keys if len(keys) <= bound else rng.sample(sorted(keys, key=str), bound)
        for key in chosen:
            counts[key] += 1
    return dict(counts)


def query_description(table: CrossTab) -> dict:
    return {
        "by": [f.name for f in table.fields],
        "unit": table.unit,
        "filters": [[f.name, v] for f, v in table.filters],
        "scope": table.scope,
    }


def _key(query: dict, version: dict, epsilon: float, bound: int) -> str:
    raw = json.dumps([query, version, epsilon, bound], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _noisy_table(table: CrossTab, noisy: dict[tuple, int]) -> CrossTab:
    n = len(table.fields)
    cells = {k: v for k, v in noisy.items() if v > 0}
    margins: dict[tuple, int] = {}
    for kept in range(n - 1, -1, -1):
        for keep in combinations(range(n), kept):
            sums: dict[tuple, int] = defaultdict(int)
            for key, count in cells.items():
                sums[tuple(key[i] for i in keep)] += count
            for sub, count in sums.items():
                margin = [TOTAL] * n
                for pos, i in enumerate(keep):
                    margin[i] = sub[pos]
                margins[tuple(margin)] = count
    if not cells:
        margins[(TOTAL,) * n] = 0
    categories = [_order(f, {k[i] for k in cells}) for i, f in enumerate(table.fields)]
    return CrossTab(
        fields=table.fields,
        unit=table.unit,
        filters=table.filters,
        categories=categories,
        cells=cells,
        margins=margins,
        multi_valued=table.multi_valued,
        scope=table.scope,
        version=table.version,
    )


@contextlib.contextmanager
def pool_turn(pool: Pool) -> Iterator[None]:
    """A transaction that holds ``pool``'s turn (:func:`wait_for_turn`). Giving up the wait
    for another writer (SQLite) or another release (PostgreSQL) is a refusal with nothing
    spent, not a server error nor a request that hangs."""
    try:
        with transaction.atomic():
            wait_for_turn(pool)
            yield
    except OperationalError as error:
        if not _waited_too_long(error):
            raise
        raise PrivacyError(
            "La base de datos está ocupada con otra escritura; no se publicó nada ni se gastó "
            "presupuesto, intente de nuevo en unos minutos / the database is busy with another "
            "write; nothing was released and no budget was spent, try again in a few minutes"
        ) from error


def wait_for_turn(pool: Pool) -> None:
    """Holds ``pool``'s lock until the transaction ends, waiting while another release from
    the pool holds it, so that what the pool has spent is read after that release is
    recorded. PostgreSQL locks the pool's row (made on its first release). SQLite cannot
    lock rows, but there every transaction starts by taking the database's write lock
    (settings: ``transaction_mode`` IMMEDIATE), so releases take turns all the same, and the
    connection's ``timeout`` bounds the wait; on PostgreSQL ``lock_timeout`` bounds it for
    this transaction only."""
    if connection.vendor == "postgresql":
        wait_ms = max(1, round(settings.NANDUTI_DP_LOCK_WAIT_SECONDS * 1000))
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{wait_ms}ms"])
    PrivacyPoolLock.objects.select_for_update().get_or_create(pool=pool.key)


def _over_budget(pool: Pool, already: float, allowed: float, used: float) -> PrivacyError:
    return PrivacyError(
        f"Presupuesto de privacidad de {pool.label()} insuficiente: gastado "
        f"ε={already:g} de {allowed:g}, esta publicación pide ε={used:g}; no se publicó "
        f"nada / {pool.label()}'s privacy budget exceeded: spent ε={already:g} of "
        f"{allowed:g}, this release asks ε={used:g}; nothing was released"
    )


def _waited_too_long(error: OperationalError) -> bool:
    """SQLite gave up waiting for another writer (after the connection's ``timeout``), or
    PostgreSQL for the pool's row lock (``lock_timeout``: SQLSTATE 55P03)."""
    if connection.vendor == "sqlite":
        return "database is locked" in str(error)
    return getattr(error.__cause__, "sqlstate", None) == "55P03"


def release(
    table: CrossTab,
    epsilon: float,
    user=None,
    actor: str = "",
    bound: int = 3,
    scope: dict | None = None,
    pool: Pool | None = None,
) -> tuple[CrossTab, PrivacyRelease]:
    """A differentially private version of ``table``, recorded in the ledger and charged to
    ``pool`` (default: the user's institution, or the user)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise PrivacyError(f"ε debe ser un número > 0 / ε must be a number > 0 (got {epsilon})")
    query = query_description(table)
    key = _key(query, table.version, float(epsilon), bound)
    previous = previous_release(table, epsilon, bound)
    if previous is not None:
        return _from_ledger(table, previous), previous

    sensitivity = sensitivity_of(table, bound)
    true_counts = clipped_counts(table, scope, sensitivity) if table.multi_valued else table.cells
    domains = [domain(f, set(table.categories[i])) for i, f in enumerate(table.fields)]
    size = math.prod(len(d) for d in domains)
    if size > MAX_CELLS:
        raise PrivacyError(
            f"La tabla tendría {size} celdas (máximo {MAX_CELLS}); use menos campos / "
            f"the table would have {size} cells (max {MAX_CELLS}); use fewer fields"
        )
    scale = sensitivity / float(epsilon)
    space = (dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int))
    measurement = dp.m.make_laplace(*space, scale=scale)
    used = measurement.map(d_in=sensitivity)
    keys = list(product(*domains))

    pool = pool or Pool.of(user)
    with pool_turn(pool):
        # Another release of the same query may have been recorded while this one waited.
        previous = previous_release(table, epsilon, bound)
        if previous is not None:
            return _from_ledger(table, previous), previous
        already, allowed = spent(pool), budget(pool)
        if already + used > allowed + 1e-9:
            raise _over_budget(pool, already, allowed, used)
        noisy_values = measurement([int(true_counts.get(k, 0)) for k in keys])
        noisy = {k: max(0, int(v)) for k, v in zip(keys, noisy_values, strict=True)}
        record = PrivacyRelease.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            actor=actor or (getattr(user, "username", "") or "cli"),
            query=query,
            query_key=key,
            data_version=table.version,
            mechanism="discrete_laplace (OpenDP make_laplace, integer)",
            epsilon=float(used),
            sensitivity=sensitivity,
            scale=scale,
            cells=size,
            result=[[*k, v] for k, v in noisy.items() if v > 0],
            institution_id=pool.institution_id,
            publication_id=pool.publication_id,
        )
    return _noisy_table(table, noisy), record


def ledger_table(table: CrossTab, record: PrivacyRelease) -> CrossTab:
    """The noisy table a release recorded (``table`` gives its fields and unit)."""
    return _from_ledger(table, record)


def _from_ledger(table: CrossTab, record: PrivacyRelease) -> CrossTab:
    noisy = {tuple(row[:-1]): int(row[-1]) for row in record.result}
    return _noisy_table(table, noisy)
