"""The privacy ledger: every differentially private release and the ε it spent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyRelease(models.Model):
    """One differentially private release (a table of noisy counts).

    The sum of ``epsilon`` over one pool's releases (an institution's, or a user's without
    one) is what that pool has spent; ``nanduti.stats.dp`` refuses a release that would
    take it past the pool's ``PrivacyBudget`` (default
    ``settings.NANDUTI_DP_EPSILON_BUDGET``). The noisy result is kept, so asking the same
    question of the same data again returns the same answer and spends nothing.
    """

    created_at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(
        _("quién"), max_length=150, blank=True, default=""
    )  # e.g. "cli", "web:ana"
    query = models.JSONField(default=dict)  # fields, unit, filters, scope
    query_key = models.CharField(max_length=64, db_index=True)
    data_version = models.JSONField(default=dict)
    mechanism = models.CharField(max_length=60, default="discrete_laplace")
    epsilon = models.FloatField(_("ε"))
    sensitivity = models.PositiveIntegerField(_("sensibilidad"), default=1)
    scale = models.FloatField()
    cells = models.PositiveIntegerField(_("celdas"), default=0)
    result = models.JSONField(default=list)  # [[code, ..., noisy count], ...] non-zero cells
    # The budget it was charged to: the requester's institution, or (no institution) the
    # requester; neither for the command line's operator.
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("institución"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A table released for a publication spends that publication's budget, not the
    # requester's institution's (``institution`` is then empty).
    publication = models.ForeignKey(
        "stats.Publication",
        verbose_name=_("publicación"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="releases",
    )

    class Meta:
        verbose_name = _("publicación con privacidad diferencial")
        verbose_name_plural = _("publicaciones con privacidad diferencial")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ε={self.epsilon:g} {self.query.get('by')}"


class PrivacyBudget(models.Model):
    """The ε an administrator allows one institution (or one user without an institution)
    to spend; without a row, ``settings.NANDUTI_DP_EPSILON_BUDGET`` applies to each."""

    institution = models.OneToOneField(
        "registry.Institution",
        verbose_name=_("institución"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario/a"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    epsilon = models.FloatField(_("ε"))
    updated_at = models.DateTimeField(_("modificado"), auto_now=True)

    class Meta:
        verbose_name = _("presupuesto de privacidad")
        verbose_name_plural = _("presupuestos de privacidad")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(institution__isnull=False) | models.Q(user__isnull=False),
                name="budget_has_an_owner",
            )
        ]

    def __str__(self) -> str:
        return f"ε={self.epsilon:g} for {self.institution or self.user}"


class PrivacyPoolLock(models.Model):
    """One row per privacy budget pool (``nanduti.stats.dp.Pool.key``), made on its first
    release. A release locks its pool's row before it reads what the pool has spent, so two
    releases from one pool take turns and cannot both pass the same check."""

    pool = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.pool


class SummaryCell(models.Model):
    """A pre-aggregated count (the materialised summary behind fast dashboards).

    Grain: the case fields year, institution, department, source and synthetic, crossed
    with one family of multi-valued fields at a time (victim: sex, age_band; technology:
    platform, technology; exploitation). For ``unit="victims"`` every row is one
    combination of victim fields and counts add up. For ``unit="cases"`` a family field
    is either a value (distinct cases having it) or ``*`` (summed over), one row set per
    grouping, so a case with a female and a male victim is counted once in each and once
    in ``*``.
    Rebuilt by ``nanduti.stats.summary.refresh`` (``nanduti rebuild-summaries``, or in the
    background after a change); figures answered from an older version say so.
    """

    unit = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField(null=True)
    institution = models.CharField(max_length=40, default="")
    department = models.CharField(max_length=120, default="")
    source = models.CharField(max_length=20, default="")
    synthetic = models.BooleanField(default=False)
    sex = models.CharField(max_length=120, default="")
    age_band = models.CharField(max_length=120, default="")
    platform = models.CharField(max_length=120, default="")
    technology = models.CharField(max_length=120, default="")
    exploitation = models.CharField(max_length=120, default="")
    n = models.PositiveIntegerField()
    # The row's units' record keys summed modulo 2³¹: cell keys for cell-key perturbation
    # come from the summary like the counts (a cell's key sum is the sum of its rows').
    key_sum = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("celda del resumen")
        verbose_name_plural = _("celdas del resumen")
        indexes = [models.Index(fields=["unit", "sex", "age_band"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.department} {self.sex} {self.age_band}: {self.n}"


class SummaryState(models.Model):
    """The registry version the summary was built from, and how long building took."""

    version = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(auto_now=True)
    seconds = models.FloatField(default=0.0)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("estado del resumen")
        verbose_name_plural = _("estados del resumen")

    def __str__(self) -> str:
        return f"summary of {self.version.get('cases')} cases ({self.rows} rows)"


class StatsSnapshot(models.Model):
    """The current columnar snapshot of the registry (``nanduti.stats.snapshot``): its file,
    the registry version it was copied from, and what building it took."""

    path = models.CharField(max_length=500)
    version = models.JSONField(default=dict)
    built_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0.0)
    rows = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0)  # bytes on disk

    class Meta:
        verbose_name = _("instantánea de estadísticas")
        verbose_name_plural = _("instantáneas de estadísticas")

    def __str__(self) -> str:
        return f"snapshot of {self.version.get('cases')} cases ({self.rows} rows)"


class Publication(models.Model):
    """A set of tables an analyst drafts and a steward approves; approval protects the
    tables together, audits them and freezes what is shown. The public page and the
    printed report read only approved publications, never live data."""

    DRAFT, APPROVED = "draft", "approved"
    title = models.CharField(max_length=200)
    # [{"by": "year,sex", "unit": "victims", "filters": ["institution=minna"], "title": "…"}]
    tables = models.JSONField(default=list)
    status = models.CharField(max_length=10, default=DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    frozen = models.JSONField(default=list)  # per table: fields, categories, figures shown
    audit = models.JSONField(default=dict)  # the attack's report at approval
    hidden_share = models.FloatField(null=True, blank=True)
    # The ε its differentially private tables may spend together, set by an administrator;
    # empty: not set yet, so none of them can be released.
    epsilon_budget = models.FloatField(_("presupuesto ε"), null=True, blank=True)

    class Meta:
        verbose_name = _("publicación")
        verbose_name_plural = _("publicaciones")
        ordering = ["-approved_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"
