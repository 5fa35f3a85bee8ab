"""The crawler against a local HTTP server serving fixture feeds, sitemaps and pages.

The server runs on 127.0.0.1 on a random port; nothing leaves the machine. The fixture pages
(``crawler_site/``) were written for these tests.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nanduti.monitoring import crawler, store
from nanduti.monitoring.models import Article, FetchedResponse, Source, SourceKind

SITE = Path(__file__).parent / "crawler_site"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class FixtureSite:
    """State shared with the request handler: requests seen, the flaky endpoint's count."""

    def __init__(self):
        self.requests: list[dict] = []
        self.flaky_calls = 0
        self.lock = threading.Lock()


def make_handler(site: FixtureSite, base: list[str]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_GET(self):  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            with site.lock:
                site.requests.append(
                    {"path": path, "headers": dict(self.headers), "at": time.monotonic()}
                )
            if path == "/feed-etag.xml":
                return self._etag_feed()
            if path == "/inestable.html":
                with site.lock:
                    site.flaky_calls += 1
                    calls = site.flaky_calls
                if calls == 1:
                    return self._send(503, b"ocupado", "text/plain", {"Retry-After": "0"})
                return self._file("noticias/operativo-tiktok.html")
            if path == "/lento.html":
                time.sleep(1.5)
                return self._file("noticias/trafico-cocaina.html")
            if path == "/informe.pdf":
                return self._send(
                    200, b"%PDF-1.4 informe", "application/pdf", {"Set-Cookie": "s=1"}
                )
            if path == "/caido.html":
                return self._send(503, b"fuera de servicio", "text/plain")
            return self._file(path.lstrip("/"))

        def _etag_feed(self):
            if self.headers.get("If-None-Match") == '"v1"':
                return self._send(304, b"", "application/rss+xml", {"ETag": '"v1"'})
            body = (SITE / "rss.xml").read_text().replace("{base}", base[0]).encode()
            return self._send(
                200,
                body,
                "application/rss+xml",
                {"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2026 10:00:00 GMT"},
            )

        def _file(self, relative: str):
            path = SITE / relative
            if not path.is_file():
                return self._send(404, b"no encontrado", "text/plain")
            body = path.read_bytes()
            if path.suffix == ".xml":
                body = body.decode().replace("{base}", base[0]).encode()
            ctype = {".xml": "application/xml", ".txt": "text/plain"}.get(
                path.suffix, "text/html; charset=utf-8"
            )
            return self._send(200, body, ctype)

        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if body:
                self.wfile.write(body)

    return Handler


@pytest.fixture
def site():
    state = FixtureSite()
    base: list[str] = [""]
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state, base))
    base[0] = f"http://127.0.0.1:{server.server_address[1]}"
    state.base = base[0]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def raw_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def source(site, kind, path, **extra) -> Source:
    return Source.objects.create(
        name=f"{kind} {path}",
        kind=kind,
        url=site.base + path,
        outlet="Diario de Prueba",
        min_interval_seconds=extra.pop("min_interval_seconds", 0.0),
        **extra,
    )


def fetch(sources, **options):
    options.setdefault("backoff", 0.01)
    return crawler.fetch_all(sources, now=NOW, stdout=io.StringIO(), **options)


@pytest.mark.django_db
def test_rss_feed_stores_articles_without_boilerplate_and_respects_robots(site):
    src = source(site, SourceKind.RSS, "/rss.xml")
    report = fetch([src])

    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {
        "Rescatan a adolescente captada por Facebook con falsa oferta de empleo",
        "Imputan a hombre que contactaba a niñas por TikTok en Encarnación",
    }
    # The page under /privado/ is disallowed by robots.txt and was never requested.
    assert report.disallowed == 1
    assert not any(r["path"].startswith("/privado/") for r in site.requests)
    # The copy of the first story (same text, other URL) is a duplicate by content.
    assert report.duplicate_content == 1
    assert report.new_articles == 2

    article = Article.objects.get(title__startswith="Rescatan")
    assert article.canonical_url == "http://diario.test/noticias/captacion-facebook"
    assert article.published.isoformat() == "2026-03-14"
    assert article.outlet == "Diario de Prueba"
    assert article.language == "es"
    assert "Ciudad del Este" in article.text
    # Navigation, "más noticias" teasers and the WhatsApp-channel line are not article text.
    for boilerplate in ("Más noticias", "canal de WhatsApp", "Cerro Porteño", "Deportes"):
        assert boilerplate not in article.text
    # The raw page is kept content-addressed on disk, not in the database.
    body = store.read_raw(article.response.sha256)
    assert "Únete a nuestro canal de WhatsApp".encode() in body
    assert store.raw_path(article.response.sha256).exists()


@pytest.mark.django_db
def test_user_agent_names_nanduti_with_contact_url(site):
    fetch([source(site, SourceKind.PAGE, "/noticias/operativo-tiktok.html")])
    agents = {r["headers"].get("User-Agent") for r in site.requests}
    assert len(agents) == 1
    agent = agents.pop()
    assert agent.startswith("Nanduti-monitor/") and "+http" in agent


@pytest.mark.django_db
def test_robots_txt_is_read_once_per_host(site):
    fetch([source(site, SourceKind.RSS, "/rss.xml"), source(site, SourceKind.ATOM, "/atom.xml")])
    assert [r["path"] for r in site.requests].count("/robots.txt") == 1


@pytest.mark.django_db
def test_atom_feed(site):
    report = fetch([source(site, SourceKind.ATOM, "/atom.xml")])
    assert report.new_articles == 1
    article = Article.objects.get()
    assert "Instagram" in article.title and "San Lorenzo" in article.text


@pytest.mark.django_db
def test_sitemap_index_and_news_sitemap(site):
    report = fetch([source(site, SourceKind.SITEMAP, "/sitemap_index.xml")])
    assert set(Article.objects.values_list("canonical_url", flat=True)) == {
        "http://diario.test/noticias/trafico-cocaina",
        "http://diario.test/noticias/sextorsion-instagram",
    }
    assert report.disallowed == 1  # the child sitemap under /privado/
    cocaine = Article.objects.get(canonical_url__endswith="trafico-cocaina")
    assert cocaine.published.isoformat() == "2026-04-10"


def test_parse_news_sitemap_reads_titles_and_dates():
    body = (SITE / "sitemap-noticias.xml").read_text().replace("{base}", "http://x").encode()
    kind, entries = crawler.parse_sitemap(body)
    assert kind == "urlset"
    assert entries[0] == (
        "http://x/noticias/trafico-cocaina.html",
        {"date": "2026-04-10", "title": "Incautan cargamento de cocaína en la ruta PY02"},
    )


@pytest.mark.django_db
def test_second_fetch_is_conditional_and_counts_304(site):
    src = source(site, SourceKind.RSS, "/feed-etag.xml")
    first = fetch([src])
    assert first.new_articles == 2
    src.refresh_from_db()
    assert src.etag == '"v1"'
    assert src.last_modified == "Mon, 01 Jun 2026 10:00:00 GMT"

    site.requests.clear()
    second = fetch([src])
    feed_request = next(r for r in site.requests if r["path"] == "/feed-etag.xml")
    assert feed_request["headers"]["If-None-Match"] == '"v1"'
    assert feed_request["headers"]["If-Modified-Since"] == "Mon, 01 Jun 2026 10:00:00 GMT"
    assert second.not_modified == 1
    assert second.new_articles == 0
    assert Article.objects.count() == 2
    assert FetchedResponse.objects.filter(status=304).count() == 1


@pytest.mark.django_db
def test_known_article_pages_are_not_fetched_again(site):
    fetch([source(site, SourceKind.PAGE, "/noticias/operativo-tiktok.html")])
    site.requests.clear()
    report = fetch([source(site, SourceKind.RSS, "/rss.xml")])
    assert report.known_skipped == 1
    assert "/noticias/operativo-tiktok.html" not in [r["path"] for r in site.requests]


@pytest.mark.django_db
def test_503_then_200_is_retried_with_backoff(site):
    slept: list[float] = []
    report = fetch([source(site, SourceKind.PAGE, "/inestable.html")], sleep=slept.append)
    assert site.flaky_calls == 2
    assert report.retries == 1
    assert report.new_articles == 1
    assert slept and slept[-1] == pytest.approx(0.01)


@pytest.mark.django_db
def test_persistent_5xx_gives_up_after_bounded_retries(site):
    slept: list[float] = []
    src = source(site, SourceKind.PAGE, "/caido.html")
    report = fetch([src], sleep=slept.append, max_retries=3, backoff=1.0, max_backoff=3.0)
    assert [r["path"] for r in site.requests].count("/caido.html") == 4
    assert slept == [1.0, 2.0, 3.0]  # exponential, capped at max_backoff
    assert report.new_articles == 0
    src.refresh_from_db()
    assert "HTTP 503" in src.last_error
    assert src.last_fetched_at == NOW


@pytest.mark.django_db
def test_slow_endpoint_times_out(site):
    client = crawler.UrllibClient(timeout=0.3)
    src = source(site, SourceKind.PAGE, "/lento.html")
    started = time.monotonic()
    report = fetch([src], client=client, max_retries=1)
    assert time.monotonic() - started < 3
    assert report.timeouts == 2  # first try and one retry
    assert Article.objects.count() == 0
    src.refresh_from_db()
    assert "timed out" in src.last_error


@pytest.mark.django_db
def test_per_host_rate_limit_spaces_requests(site):
    src = source(site, SourceKind.RSS, "/rss.xml", min_interval_seconds=0.2)
    fetch([src])
    times = [r["at"] for r in site.requests]
    assert len(times) >= 4
    # The server stamps arrivals, so a late-scheduled thread on a busy machine can shift one
    # stamp: each gap keeps at least half the interval, and the span the whole of it (less
    # a tenth). Without the limit the requests come milliseconds apart.
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.1
    assert times[-1] - times[0] >= 0.9 * 0.2 * len(gaps)


@pytest.mark.django_db
def test_rate_limit_uses_injected_clock():
    """The wait is the interval minus the time already passed since the host's last request."""
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    c = crawler.Crawler(object(), sleep=sleep, clock=lambda: clock[0], default_interval=5.0)
    c._wait_turn("http://a.example/1")
    clock[0] += 2.0
    c._wait_turn("http://a.example/2")
    c._wait_turn("http://b.example/1")  # another host: no wait
    assert slept == [pytest.approx(3.0)]


@pytest.mark.django_db
def test_non_html_responses_are_kept_but_not_read_as_articles(site):
    report = fetch([source(site, SourceKind.PAGE, "/informe.pdf")])
    assert report.new_articles == 0
    assert "not an HTML page" in report.errors[0]
    kept = FetchedResponse.objects.get(url__endswith="/informe.pdf")
    assert store.read_raw(kept.sha256).startswith(b"%PDF")
    assert "set-cookie" not in kept.headers  # cookies are never stored


def test_parse_gzipped_sitemap_index_and_hostile_xml():
    import gzip

    body = (SITE / "sitemap_index.xml").read_text().replace("{base}", "http://x").encode()
    kind, entries = crawler.parse_sitemap(gzip.compress(body))
    assert kind == "index"
    assert [u for u, _ in entries] == [
        "http://x/sitemap-noticias.xml",
        "http://x/privado/sitemap-oculto.xml",
    ]
    # External entities are never resolved (no file or network access from a sitemap).
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>&e;</loc></url></urlset>"
    )
    kind, entries = crawler.parse_sitemap(hostile)
    assert all("root:" not in u for u, _ in entries)
    assert crawler.parse_sitemap(b"not xml at all") == ("urlset", [])
