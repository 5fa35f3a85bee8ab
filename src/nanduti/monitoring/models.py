"""Press and online monitoring: sources, fetched responses, articles, extractions, decisions.

Raw response bodies are kept content-addressed on disk (``VAR_DIR/monitoring/raw``), never
in the database; the database keeps their SHA-256. Analysts' review decisions are the
labelled data the relevance model learns from (:func:`labelled_examples`).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    RSS = "rss", "RSS"
    ATOM = "atom", "Atom"
    SITEMAP = "sitemap", "Sitemap XML"
    PAGE = "page", "Página / Page"
    JSONL = "jsonl", "Archivo JSONL / JSONL file"
    HTML_DIR = "html_dir", "Carpeta de HTML / HTML folder"
    WARC = "warc", "Archivo WARC / WARC file"


REMOTE_KINDS = (SourceKind.RSS, SourceKind.ATOM, SourceKind.SITEMAP, SourceKind.PAGE)


class Source(models.Model):
    name = models.CharField(_("nombre"), max_length=120, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=SourceKind.choices)
    url = models.CharField(max_length=1000, help_text="URL, or a local path for file kinds")
    outlet = models.CharField(_("medio"), max_length=120, blank=True, default="")
    language = models.CharField(_("idioma"), max_length=8, blank=True, default="es")
    active = models.BooleanField(_("activa"), default=True)
    verified = models.BooleanField(
        verbose_name=_("verificada"),
        default=True,
        help_text="False for URLs written from memory, not checked online",
    )
    min_interval_seconds = models.FloatField(
        default=5.0, help_text="Least time between two requests to this source's host"
    )
    etag = models.CharField(max_length=300, blank=True, default="")
    last_modified = models.CharField(max_length=100, blank=True, default="")
    last_fetched_at = models.DateTimeField(_("última descarga"), null=True, blank=True)
    last_error = models.TextField(_("último error"), blank=True, default="")

    class Meta:
        verbose_name = _("fuente de prensa")
        verbose_name_plural = _("fuentes de prensa")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FetchedResponse(models.Model):
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    url = models.CharField(max_length=1000, db_index=True)
    status = models.PositiveSmallIntegerField(_("estado"))
    headers = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(_("descargada"), db_index=True)
    sha256 = models.CharField(max_length=64, blank=True, default="", db_index=True)
    size = models.PositiveIntegerField(_("tamaño"), default=0)

    class Meta:
        verbose_name = _("respuesta descargada")
        verbose_name_plural = _("respuestas descargadas")
        ordering = ["-fetched_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status} {self.url}"


class Article(models.Model):
    canonical_url = models.CharField(max_length=1000, unique=True)
    content_hash = models.CharField(max_length=64, db_index=True)
    external_id = models.CharField(max_length=200, blank=True, default="")
    title = models.TextField(_("título"), blank=True, default="")
    text = models.TextField(_("texto"), blank=True, default="")
    published = models.DateField(_("publicada"), null=True, blank=True)
    outlet = models.CharField(_("medio"), max_length=120, blank=True, default="")
    language = models.CharField(_("idioma"), max_length=8, blank=True, default="")
    # Who wrote the text when it is not a fetched page ("written by the project" samples).
    origin = models.CharField(max_length=200, blank=True, default="")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    response = models.ForeignKey(
        FetchedResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("noticia")
        verbose_name_plural = _("noticias")
        ordering = ["-published", "-id"]

    def __str__(self) -> str:
        return self.title[:80] or self.canonical_url


class Extraction(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("noticia"), on_delete=models.CASCADE, related_name="extractions"
    )
    result = models.JSONField(default=dict)
    score = models.FloatField(_("puntaje"), default=0.0, db_index=True)
    is_trafficking = models.BooleanField(_("es trata"), default=False)
    story_group = models.CharField(
        _("historia"), max_length=64, blank=True, default="", db_index=True
    )
    pipeline_version = models.CharField(
        _("versión del proceso"), max_length=40, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extracción")
        verbose_name_plural = _("extracciones")
        ordering = ["-score", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id} {self.score:.2f}"


class Decision(models.TextChoices):
    CONFIRM = "confirm", "Confirmado / Confirmed"
    REJECT = "reject", "Rechazado / Rejected"
    MERGE = "merge", "Unido a otra noticia / Merged"


class ReviewDecision(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("noticia"), on_delete=models.CASCADE, related_name="decisions"
    )
    extraction = models.ForeignKey(
        Extraction, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("analista"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(_("decisión"), max_length=10, choices=Decision.choices)
    case = models.ForeignKey(
        "registry.Case",
        verbose_name=_("caso"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="press_decisions",
    )
    merged_into = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # True: about trafficking / sexual exploitation; False: a near miss. None: no judgement.
    label = models.BooleanField(_("etiqueta"), null=True, blank=True)
    note = models.TextField(_("nota"), blank=True, default="")
    at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("decisión de revisión")
        verbose_name_plural = _("decisiones de revisión")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} {self.article_id}"


def labelled_examples() -> Iterator[dict]:
    """The analysts' latest relevance judgement per article, for ``monitor train``."""
    seen: set[int] = set()
    decisions = (
        ReviewDecision.objects.filter(label__isnull=False)
        .select_related("article")
        .order_by("-at", "-id")
    )
    for d in decisions.iterator():
        if d.article_id in seen:
            continue
        seen.add(d.article_id)
        yield {"title": d.article.title, "text": d.article.text, "label": bool(d.label)}
