"""Stored articles: raw bodies on disk, de-duplicated articles, extraction runs.

- Raw bodies are content-addressed under ``VAR_DIR/monitoring/raw/<sha[:2]>/<sha>``.
- :func:`save_article` keeps one article per canonical URL and per content hash.
- :func:`run_on_stored_articles` runs the text pipeline (``monitoring.extract``) over stored
  articles and groups the same story told by several outlets, so it is reviewed once.
- :func:`load_jsonl_articles` ingests a JSONL file of items (the demo's sample articles).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from nanduti.monitoring.extract.dates import parse_published
from nanduti.monitoring.models import (
    Article,
    Decision,
    Extraction,
    FetchedResponse,
    ReviewDecision,
    Source,
)
from nanduti.taxonomy.vocab import fold

log = logging.getLogger(__name__)
# The demo's sample articles, written by the project (``nanduti demo`` loads them).
SAMPLE_ARTICLES = Path(__file__).resolve().parent / "fixtures" / "sample_articles.jsonl"


# --- raw bodies -------------------------------------------------------------------------------


def raw_dir() -> Path:
    return Path(settings.VAR_DIR) / "monitoring" / "raw"


def raw_path(sha: str) -> Path:
    return raw_dir() / sha[:2] / sha


def keep_raw(body: bytes) -> str:
    """Write a body once under its SHA-256 (atomically); returns the hash."""
    sha = hashlib.sha256(body).hexdigest()
    path = raw_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.replace(tmp, path)
    return sha


def read_raw(sha: str) -> bytes:
    return raw_path(sha).read_bytes()


def record_response(
    url: str, status: int, headers: dict, body: bytes, *, source: Source | None = None, now=None
) -> FetchedResponse:
    sha = keep_raw(body) if body else ""
    return FetchedResponse.objects.create(
        source=source,
        url=url[:1000],
        status=status,
        # Cookies are not kept: they may identify the crawler's session, and nothing needs them.
        headers={k.lower(): v for k, v in headers.items() if k.lower() != "set-cookie"},
        fetched_at=now or timezone.now(),
        sha256=sha,
        size=len(body),
    )


# --- articles ---------------------------------------------------------------------------------


def canonical_url(url: str) -> str:
    """Normalised URL: lower-case host, no fragment, no tracking parameters."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return url
    # imported here: Django imports this module at every start (monitoring.review, from an
    # app's ready()), `monitor extract` included, and courlan costs ~0.3 CPU-s to import
    from courlan import normalize_url

    try:
        return normalize_url(url, strict=True)
    except (ValueError, AttributeError):
        return url


def content_hash(title: str, text: str) -> str:
    """Hash of the folded text, so re-published copies with other markup are one article."""
    basis = fold(text) or fold(title)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


@dataclass
class SaveResult:
    status: str  # new | duplicate_url | duplicate_content | empty
    article: Article | None = None


def save_article(
    item: dict, *, source: Source | None = None, response: FetchedResponse | None = None
) -> SaveResult:
    """Store one article unless its canonical URL or its content is already stored.

    ``item`` keys: url, title, text, date, outlet, language, id, origin.
    """
    text = (item.get("text") or "").strip()
    title = (item.get("title") or "").strip()
    if not text and not title:
        return SaveResult("empty")
    url = canonical_url(item.get("url") or "")
    if not url:
        url = f"urn:nanduti:item:{item.get('id') or content_hash(title, text)[:16]}"
    digest = content_hash(title, text)
    existing = Article.objects.filter(canonical_url=url).first()
    if existing:
        return SaveResult("duplicate_url", existing)
    existing = Article.objects.filter(content_hash=digest).first()
    if existing:
        return SaveResult("duplicate_content", existing)
    try:
        with transaction.atomic():
            article = Article.objects.create(
                canonical_url=url[:1000],
                content_hash=digest,
                external_id=str(item.get("id") or "")[:200],
                title=title,
                text=text,
                published=parse_published(item.get("date")),
                outlet=(item.get("outlet") or (source.outlet if source else ""))[:120],
                language=(item.get("language") or "")[:8],
                origin=str(item.get("origin") or "")[:200],
                source=source,
                response=response,
            )
    except IntegrityError:  # a concurrent fetch stored the same URL first
        return SaveResult("duplicate_url", Article.objects.filter(canonical_url=url).first())
    return SaveResult("new", article)


def load_jsonl_articles(path, outlet: str | None = None) -> int:
    """Ingest a JSONL file of items; returns how many new articles were stored.

    Invalid lines are logged with their line number and skipped.
    """
    from nanduti.monitoring.readers import read_jsonl

    errors: list[str] = []
    stored = 0
    for item in read_jsonl(path, errors=errors):
        if outlet:
            item = {**item, "outlet": outlet}
        stored += save_article(item).status == "new"
    for message in errors:
        log.warning(message)
    return stored


# --- extraction over stored articles ----------------------------------------------------------


@dataclass
class RunReport:
    processed: int = 0
    relevant: int = 0
    groups: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Procesados / processed: {self.processed}; relevantes / relevant: {self.relevant}; "
            f"historias / stories: {self.groups}; errores / errors: {len(self.errors)}"
        )


def article_item(article: Article) -> dict:
    """The pipeline's input line (DESIGN.md §5) for a stored article."""
    item = {"id": str(article.pk), "title": article.title, "text": article.text}
    if article.canonical_url.startswith(("http://", "https://")):
        item["url"] = article.canonical_url
    if article.published:
        item["date"] = article.published.isoformat()
    if article.outlet:
        item["outlet"] = article.outlet
    return item


def _pipeline():
    from nanduti.monitoring.extract import pipeline

    version = getattr(pipeline, "PIPELINE_VERSION", None) or getattr(pipeline, "__version__", "")
    return pipeline.extract_item, str(version)


def run_on_stored_articles(
    limit: int | None = None,
    *,
    rerun: bool = False,
    progress=None,
    article_ids: Iterable[int] | None = None,
) -> RunReport:
    """Extract facts from stored articles (those without an extraction, or all with ``rerun``;
    only ``article_ids`` when given) and group the relevant ones into stories.
    ``progress(done, total)`` is called after each article (each in its own transaction)."""
    extract_item, version = _pipeline()
    report = RunReport()
    articles = Article.objects.order_by("id")
    if article_ids is not None:
        articles = articles.filter(pk__in=list(article_ids))
    if not rerun:
        articles = articles.filter(extractions__isnull=True)
    if limit:
        articles = articles[:limit]
    total = articles.count() if progress else 0
    for done, article in enumerate(articles.iterator()):
        if progress:
            progress(done, total)
        try:
            result = extract_item(article_item(article))
        except Exception as exc:  # one bad article must not stop the run
            report.errors.append(f"artículo / article {article.pk}: {exc}")
            continue
        with transaction.atomic():
            if rerun:
                article.extractions.filter(decisions__isnull=True).delete()
            Extraction.objects.create(
                article=article,
                result=result,
                score=float(result.get("score") or 0.0),
                is_trafficking=bool(result.get("is_trafficking")),
                pipeline_version=version[:40],
            )
        report.processed += 1
        report.relevant += bool(result.get("is_trafficking"))
    report.groups = regroup_stories()
    return report


def latest_extractions(*, relevant_only: bool = False) -> list[Extraction]:
    """The newest extraction of each article (optionally only those judged relevant)."""
    newest = Extraction.objects.values("article").annotate(last=Max("id")).values("last")
    extractions = Extraction.objects.filter(pk__in=newest).select_related("article")
    if relevant_only:
        extractions = extractions.filter(is_trafficking=True)
    return list(extractions.order_by("article_id"))


def regroup_stories() -> int:
    """Give every relevant article's newest extraction a story group id; returns the number of
    groups. Near-duplicates (same story, other outlet or day) and reports of the same facts in
    another language share the id of their oldest article; an analyst's merge is kept."""
    extractions = latest_extractions(relevant_only=True)
    groups = group_near_duplicates(
        [(e.article_id, f"{e.article.title}\n{e.article.text}") for e in extractions]
    )
    groups = group_same_facts(extractions, groups)
    natural = {article_id: f"g{group}" for article_id, group in groups.items()}
    targets = merge_targets()
    changed = []
    for ex in extractions:
        group = resolve_group(ex.article_id, natural, targets)
        if ex.story_group != group:
            ex.story_group = group
            changed.append(ex)
    Extraction.objects.bulk_update(changed, ["story_group"], batch_size=500)
    return len({e.story_group for e in extractions})


def merge_targets() -> dict[int, int]:
    """Article id -> the article its story was merged into by an analyst (latest merge)."""
    merges = ReviewDecision.objects.filter(decision=Decision.MERGE, merged_into__isnull=False)
    return dict(merges.order_by("at", "id").values_list("article_id", "merged_into_id"))


def resolve_group(article_id: int, natural: dict[int, str], targets: dict[int, int]) -> str:
    """The story group of an article: its near-duplicate group, unless an analyst merged it
    into another story (followed through chains of merges)."""
    seen = {article_id}
    while article_id in targets and targets[article_id] not in seen:
        article_id = targets[article_id]
        seen.add(article_id)
    return natural.get(article_id) or f"a{article_id}"


def group_same_facts(extractions: list[Extraction], groups: dict[int, int]) -> dict[int, int]:
    """Join near-duplicate groups that tell the same story in other words or another
    language (shared date window, places, platforms, numbers, names: ``dedup.same_story``)."""
    from nanduti.monitoring.extract import dedup

    ordered = sorted(extractions, key=lambda e: e.article_id)
    facts = [
        (
            str(e.article_id),
            dedup.story_facts(e.result or {}, e.article.title, e.article.text, e.article.published),
        )
        for e in ordered
    ]
    joined = dedup.group_by_facts(facts, {str(i): str(g) for i, g in groups.items()})
    return {int(i): int(g) for i, g in joined.items()}


def group_near_duplicates(items: Iterable[tuple[int, str]]) -> dict[int, int]:
    """Map each article id to the id of the oldest article of its near-duplicate story
    (MinHash/LSH, ``monitoring.extract.dedup``)."""
    from nanduti.monitoring.extract import dedup

    ordered = sorted(items)
    groups = dedup.group_stories([(str(i), text) for i, text in ordered])
    return {i: int(groups[str(i)]) for i, _ in ordered}
