"""Press and online monitoring: sources, fetched responses, articles, extractions, decisions.

Raw response bodies are kept content-addressed on disk (``VAR_DIR/monitoring/raw``), never
in the database; the database keeps their SHA-256. Analysts' review decisions are the
labelled data the relevance model learns from (:func:`labelled_examples`).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import models


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
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    url = models.CharField(max_length=1000, help_text="URL, or a local path for file kinds")
    outlet = models.CharField(max_length=120, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="es")
    active = models.BooleanField(default=True)
    verified = models.BooleanField(
        default=True, help_text="False for URLs written from memory, not checked online"
    )
    min_interval_seconds = models.FloatField(
        default=5.0, help_text="Least time between two requests to this source's host"
    )
    etag = models.CharField(max_length=300, blank=True, default="")
    last_modified = models.CharField(max_length=100, blank=True, default="")
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FetchedResponse(models.Model):
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    url = models.CharField(max_length=1000, db_index=True)
    status = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(db_index=True)
    sha256 = models.CharField(max_length=64, blank=True, default="", db_index=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-fetched_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status} {self.url}"


class Article(models.Model):
    canonical_url = models.CharField(max_length=1000, unique=True)
    content_hash = models.CharField(max_length=64, db_index=True)
    external_id = models.CharField(max_length=200, blank=True, default="")
    title = models.TextField(blank=True, default="")
    text = models.TextField(blank=True, default="")
    published = models.DateField(null=True, blank=True)
    outlet = models.CharField(max_length=120, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
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
        ordering = ["-published", "-id"]

    def __str__(self) -> str:
        return self.title[:80] or self.canonical_url


class Extraction(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="extractions")
    result = models.JSONField(default=dict)
    score = models.FloatField(default=0.0, db_index=True)
    is_trafficking = models.BooleanField(default=False)
    story_group = models.CharField(max_length=64, blank=True, default="", db_index=True)
    pipeline_version = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id} {self.score:.2f}"


class Decision(models.TextChoices):
    CONFIRM = "confirm", "Confirmado / Confirmed"
    REJECT = "reject", "Rechazado / Rejected"
    MERGE = "merge", "Unido a otra noticia / Merged"


class ReviewDecision(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="decisions")
    extraction = models.ForeignKey(
        Extraction, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    case = models.ForeignKey(
        "registry.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="press_decisions",
    )
    merged_into = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # True: about trafficking / sexual exploitation; False: a near miss. None: no judgement.
    label = models.BooleanField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
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
