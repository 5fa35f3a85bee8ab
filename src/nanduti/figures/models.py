"""Official figures: aggregate series published or submitted by institutions.

They are data of their own, never case records: a series counts complaints, cases,
victims or persons assisted as its publisher defined them, so it is shown beside the
registry's counts, labelled with unit and source, and never summed with them.
A corrected source is a new version that supersedes the old one; nothing is overwritten.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nanduti.registry.fields import CodeField


class Unit(models.TextChoices):
    COMPLAINTS = "complaints", "Denuncias / Complaints"
    CASES = "cases", "Casos / Cases"
    VICTIMS = "victims", "Víctimas / Victims"
    PERSONS_ASSISTED = "persons_assisted", "Personas asistidas / Persons assisted"


class Measure(models.TextChoices):
    COUNT = "count", "Número / Count"
    PERCENT = "percent", "Porcentaje / Per cent"


class Submission(models.Model):
    """A file as received (kept whole, whatever became of it) and what the import said."""

    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    errors = models.JSONField(default=list, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("entrega")
        verbose_name_plural = _("entregas")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.received_at:%Y-%m-%d %H:%M})"


class Series(models.Model):
    key = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    institution = CodeField("institution")
    publisher = models.CharField(max_length=300)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    measure = models.CharField(max_length=10, choices=Measure.choices, default=Measure.COUNT)
    title_es = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300, blank=True)
    source_title = models.TextField()
    source_url = models.URLField(max_length=500, blank=True)
    # "2024", "2024-08" or "2024-08-15": publications are often dated by month only.
    date_published = models.CharField(max_length=10, blank=True)
    source_locator = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # False for a table an institution submitted without publishing it: shown publicly only
    # under disclosure control, like case-level counts.
    published = models.BooleanField(default=True)
    # Vocabulary names of the dimensions its observations use, in column order.
    dimensions = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="series"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("serie oficial")
        verbose_name_plural = _("series oficiales")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="unique_series_version")
        ]
        ordering = ["key", "-version"]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def title(self, language: str = "es") -> str:
        return self.title_en if language.startswith("en") and self.title_en else self.title_es


class Observation(models.Model):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="observations")
    # "2020" (year) or "2020-03" (month).
    period = models.CharField(max_length=7)
    # {vocabulary: code}; a dimension left out is the total over it.
    dims = models.JSONField(default=dict, blank=True)
    dims_key = models.CharField(max_length=400, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("observación")
        verbose_name_plural = _("observaciones")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "period", "dims_key"], name="unique_observation"
            )
        ]
        ordering = ["period", "dims_key"]

    def __str__(self) -> str:
        return f"{self.series_id} {self.period} {self.dims_key or 'total'} = {self.value}"
