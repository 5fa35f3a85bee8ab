"""A polite crawler of news sources.

Polite means: it reads robots.txt (cached per host) and skips what it disallows; it waits a
minimum interval between two requests to the same host (the source's, or the robots.txt
Crawl-delay when longer); it asks conditionally (If-None-Match / If-Modified-Since) for feeds
and sitemaps it has seen; it gives up after a time-out; it retries 5xx answers and time-outs a
bounded number of times with exponential back-off; and it says who it is in its User-Agent.

Every response body is kept (content-addressed, ``store.keep_raw``); each article page becomes
an :class:`~nanduti.monitoring.models.Article`, de-duplicated by canonical URL and content.
"""

from __future__ import annotations

import gzip
import socket
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import feedparser
from django.conf import settings
from django.utils import timezone
from lxml import etree

from nanduti.monitoring import readers, store
from nanduti.monitoring.models import REMOTE_KINDS, Article, Source, SourceKind

UA_TOKEN = "Nanduti-monitor"
USER_AGENT = (
    (
        f"{UA_TOKEN}/0.1 (Ñandutí observatorio de trata / anti-trafficking observatory; "
        f"+{settings.NANDUTI_CRAWLER_CONTACT})"
    )
    .encode("ascii", "replace")
    .decode("ascii")
)
RETRY_STATUSES = {500, 502, 503, 504}
MAX_BODY_BYTES = 10_000_000
MAX_SITEMAP_DEPTH = 2


class FetchTimeout(Exception):
    pass


@dataclass
class HttpResult:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


class UrllibClient:
    """HTTP GET with the standard library; 3xx are followed, 4xx/5xx returned (not raised)."""

    def __init__(self, user_agent: str = USER_AGENT, timeout: float = 15.0):
        self.user_agent = user_agent
        self.timeout = timeout

    def get(self, url: str, headers: dict[str, str] | None = None) -> HttpResult:
        request = urllib.request.Request(
            url,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _result(response.geturl(), response.status, response.headers, response)
        except urllib.error.HTTPError as exc:
            return _result(url, exc.code, exc.headers, exc)
        except TimeoutError as exc:
            raise FetchTimeout(url) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise FetchTimeout(url) from exc
            raise ConnectionError(f"{url}: {exc.reason}") from exc


def _result(url: str, status: int, headers, stream) -> HttpResult:
    try:
        body = stream.read(MAX_BODY_BYTES)
    except TimeoutError as exc:
        raise FetchTimeout(url) from exc
    plain = {k.lower(): v for k, v in (headers or {}).items()}
    if plain.get("content-encoding", "").lower() == "gzip" and body:
        body = gzip.decompress(body)
    return HttpResult(url, status, plain, body)


@dataclass
class FetchReport:
    sources: int = 0
    requests: int = 0
    not_modified: int = 0
    disallowed: int = 0
    retries: int = 0
    timeouts: int = 0
    new_articles: int = 0
    duplicate_url: int = 0
    duplicate_content: int = 0
    known_skipped: int = 0
    empty: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Fuentes / sources: {self.sources}; pedidos / requests: {self.requests}; "
            f"artículos nuevos / new articles: {self.new_articles}; "
            f"duplicados / duplicates: {self.duplicate_url + self.duplicate_content}; "
            f"ya conocidos / already known: {self.known_skipped}; "
            f"sin cambios (304) / not modified: {self.not_modified}; "
            f"prohibidos por robots.txt / disallowed: {self.disallowed}; "
            f"reintentos / retries: {self.retries}; errores / errors: {len(self.errors)}"
        )


# --- pure parsing -----------------------------------------------------------------------------


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes) -> tuple[str, list[tuple[str, dict]]]:
    """("index", [(sitemap_url, {})]) or ("urlset", [(page_url, {"title", "date"})]).

    Reads plain and gzipped sitemaps, Google News sitemaps included; never resolves entities
    or loads anything from the network.
    """
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return "urlset", []
    kind = "index" if _local(root.tag) == "sitemapindex" else "urlset"
    entries = []
    for node in root:
        if _local(node.tag) not in ("sitemap", "url"):
            continue
        loc = ""
        hint: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            text = (child.text or "").strip()
            if name == "loc" and not loc:
                loc = text
            elif name in ("publication_date", "lastmod") and text:
                hint.setdefault("date", text[:10])
            elif name == "title" and text:
                hint["title"] = text
        if loc:
            entries.append((loc, hint))
    return kind, entries


def parse_feed(body: bytes) -> list[tuple[str, dict]]:
    """Links of an RSS or Atom feed with the entry title and date as hints."""
    feed = feedparser.parse(body)
    entries = []
    for entry in feed.entries:
        link = entry.get("link")
        if not link:
            continue
        hint = {"title": entry.get("title", "")}
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        if parsed:
            hint["date"] = date(*parsed[:3]).isoformat()
        entries.append((link, hint))
    return entries


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _retry_after(headers: dict[str, str]) -> float | None:
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None


# --- the crawler ------------------------------------------------------------------------------


class Crawler:
    def __init__(
        self,
        client=None,
        *,
        now: datetime | None = None,
        stdout=None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_items_per_source: int = 200,
        default_interval: float = 5.0,
    ):
        self.client = client or UrllibClient()
        self.now = now
        self.stdout = stdout
        self.sleep = sleep
        self.clock = clock
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_items = max_items_per_source
        self.default_interval = default_interval
        self.report = FetchReport()
        self._robots: dict[str, RobotFileParser] = {}
        self._last_request: dict[str, float] = {}
        self._interval: dict[str, float] = {}

    def _now(self) -> datetime:
        return self.now or timezone.now()

    def _say(self, line: str) -> None:
        if self.stdout is not None:
            self.stdout.write(line + "\n")

    # politeness

    def _wait_turn(self, url: str) -> None:
        host = host_of(url)
        interval = self._interval.get(host, self.default_interval)
        last = self._last_request.get(host)
        if last is not None:
            wait = last + interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = self.clock()

    def _robots_for(self, url: str) -> RobotFileParser:
        host = host_of(url)
        if host in self._robots:
            return self._robots[host]
        robots_url = urljoin(host + "/", "/robots.txt")
        parser = RobotFileParser(robots_url)
        result = self._get(robots_url)
        if result is None or result.status >= 500 or result.status in (401, 403):
            # Unreachable or forbidden robots.txt: assume everything is off limits.
            parser.parse(["User-agent: *", "Disallow: /"])
        elif result.status >= 400:
            parser.parse([])  # no robots.txt: nothing is off limits
        else:
            parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
            delay = parser.crawl_delay(UA_TOKEN)
            if delay:
                self._interval[host] = max(self._interval.get(host, 0.0), float(delay))
        self._robots[host] = parser
        return parser

    def allowed(self, url: str) -> bool:
        if not url.startswith(("http://", "https://")):
            return False
        return self._robots_for(url).can_fetch(UA_TOKEN, url)

    # requests

    def _get(self, url: str, headers: dict[str, str] | None = None) -> HttpResult | None:
        """GET with rate limit and bounded retries; None when it finally failed."""
        for attempt in range(self.max_retries + 1):
            self._wait_turn(url)
            self.report.requests += 1
            try:
                result = self.client.get(url, headers=headers)
            except FetchTimeout:
                self.report.timeouts += 1
                problem = "tiempo agotado / timed out"
                result = None
            except (ConnectionError, OSError, ValueError) as exc:
                problem = f"sin conexión / connection failed ({exc})"
                result = None
            if result is not None and result.status not in RETRY_STATUSES:
                return result
            if attempt == self.max_retries:
                if result is not None:
                    return result
                self.report.errors.append(f"{url}: {problem}")
                return None
            delay = self.backoff * 2**attempt
            if result is not None and _retry_after(result.headers) is not None:
                delay = max(delay, _retry_after(result.headers))
            self.report.retries += 1
            self.sleep(min(delay, self.max_backoff))
        return None

    # sources

    def fetch_source(self, source: Source) -> None:
        self.report.sources += 1
        host = host_of(source.url)
        self._interval[host] = max(self._interval.get(host, 0.0), source.min_interval_seconds)
        before = (self.report.new_articles, len(self.report.errors))
        entries = [(source.url, {})] if source.kind == SourceKind.PAGE else self._listing(source)
        for url, hint in (entries or [])[: self.max_items]:
            self.fetch_article(url, source, hint)
        new_errors = self.report.errors[before[1] :]
        source.last_fetched_at = self._now()
        source.last_error = "\n".join(new_errors)[:4000]
        source.save(update_fields=["etag", "last_modified", "last_fetched_at", "last_error"])
        self._say(
            f"{source.name}: {self.report.new_articles - before[0]} nuevos / new, "
            f"{len(new_errors)} errores / errors"
        )

    def _listing(self, source: Source) -> list[tuple[str, dict]] | None:
        if not self.allowed(source.url):
            self.report.disallowed += 1
            self.report.errors.append(f"{source.url}: prohibido por robots.txt / disallowed")
            return None
        headers = {}
        if source.etag:
            headers["If-None-Match"] = source.etag
        if source.last_modified:
            headers["If-Modified-Since"] = source.last_modified
        result = self._get(source.url, headers)
        if result is None:
            return None
        store.record_response(
            result.url, result.status, result.headers, result.body, source=source, now=self._now()
        )
        if result.status == 304:
            self.report.not_modified += 1
            return None
        if result.status != 200:
            self.report.errors.append(f"{source.url}: HTTP {result.status}")
            return None
        source.etag = result.headers.get("etag", "")[:300]
        source.last_modified = result.headers.get("last-modified", "")[:100]
        if source.kind == SourceKind.SITEMAP:
            return self._sitemap_entries(result.body, depth=0, source=source)
        return parse_feed(result.body)

    def _sitemap_entries(self, body: bytes, *, depth: int, source: Source):
        try:
            kind, entries = parse_sitemap(body)
        except (OSError, EOFError, zlib.error) as exc:
            self.report.errors.append(f"{source.url}: sitemap ilegible / unreadable ({exc})")
            return []
        if kind == "urlset":
            return entries
        if depth >= MAX_SITEMAP_DEPTH:
            return []
        pages: list[tuple[str, dict]] = []
        for child_url, _ in entries[:20]:
            if len(pages) >= self.max_items:
                break
            if not self.allowed(child_url):
                self.report.disallowed += 1
                continue
            result = self._get(child_url)
            if result is None or result.status != 200:
                if result is not None:
                    self.report.errors.append(f"{child_url}: HTTP {result.status}")
                continue
            store.record_response(
                result.url, 200, result.headers, result.body, source=source, now=self._now()
            )
            pages.extend(self._sitemap_entries(result.body, depth=depth + 1, source=source))
        return pages

    def fetch_article(self, url: str, source: Source, hint: dict | None = None) -> None:
        hint = hint or {}
        canonical = store.canonical_url(url)
        # A page whose <link rel=canonical> names another URL is known by the URL it was fetched at.
        known = Article.objects.filter(canonical_url=canonical) | Article.objects.filter(
            response__url__in=[url, canonical]
        )
        if known.exists():
            self.report.known_skipped += 1
            return
        if not self.allowed(url):
            self.report.disallowed += 1
            return
        result = self._get(url)
        if result is None:
            return
        response = store.record_response(
            result.url, result.status, result.headers, result.body, source=source, now=self._now()
        )
        if result.status != 200:
            self.report.errors.append(f"{url}: HTTP {result.status}")
            return
        ctype = result.headers.get("content-type", "text/html").lower()
        if "html" not in ctype and "xml" not in ctype:
            self.report.errors.append(f"{url}: no es una página HTML / not an HTML page ({ctype})")
            return
        item = readers.article_from_html(result.body, url=result.url)
        item["title"] = item["title"] or hint.get("title", "")
        item["date"] = item["date"] or hint.get("date")
        item["outlet"] = source.outlet or item.get("site", "")
        item["language"] = item["language"] or source.language
        self._count(store.save_article(item, source=source, response=response).status)

    def _count(self, status: str) -> None:
        attribute = {"new": "new_articles", "empty": "empty"}.get(status, status)
        setattr(self.report, attribute, getattr(self.report, attribute) + 1)

    # local files

    def read_local(self, source: Source) -> None:
        self.report.sources += 1
        before = self.report.new_articles
        try:
            if source.kind == SourceKind.JSONL:
                items = readers.read_jsonl(source.url, errors=self.report.errors)
            elif source.kind == SourceKind.HTML_DIR:
                items = readers.read_html_dir(source.url, outlet=source.outlet)
            else:
                items = readers.read_warc(source.url, outlet=source.outlet)
            for item in items:
                raw = item.pop("raw", None)
                response = None
                if raw:
                    response = store.record_response(
                        item["url"], 200, {}, raw, source=source, now=self._now()
                    )
                item["outlet"] = item.get("outlet") or source.outlet
                self._count(store.save_article(item, source=source, response=response).status)
            source.last_error = ""
        except OSError as exc:
            message = f"{source.url}: no se pudo leer / could not be read ({exc})"
            self.report.errors.append(message)
            source.last_error = message
        source.last_fetched_at = self._now()
        source.save(update_fields=["last_fetched_at", "last_error"])
        self._say(f"{source.name}: {self.report.new_articles - before} nuevos / new")


def fetch_all(
    sources=None, *, client=None, now: datetime | None = None, stdout=None, **options
) -> FetchReport:
    """Fetch every active source (or the given ones); returns what happened.

    ``options`` tune the crawler (sleep, clock, max_retries, backoff, max_backoff,
    max_items_per_source, default_interval); tests pass a fast clock.
    """
    crawler = Crawler(client, now=now, stdout=stdout, **options)
    if sources is None:
        sources = Source.objects.filter(active=True)
    for source in sources:
        if source.kind in REMOTE_KINDS:
            crawler.fetch_source(source)
        else:
            crawler.read_local(source)
    crawler._say(crawler.report.summary())
    return crawler.report
