"""Crawler throughput against a local HTTP server (no internet).

    python benchmarks/monitor_fetch.py [--n 500]

Serves N generated news pages (with navigation, teasers and footer) and a sitemap listing
them from 127.0.0.1, then runs ``crawler.fetch_all`` over that sitemap with no politeness
interval (the real interval is a per-source setting, seconds per host), on a fresh SQLite
database. Prints pages/s for the whole fetch (HTTP + raw store + trafilatura + de-dup +
database) and, separately, trafilatura's share.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARAGRAPHS = [
    "La fiscalía informó que el procedimiento se realizó en el barrio {n} tras una denuncia.",
    "Según los investigadores, el caso número {n} fue derivado a la unidad especializada.",
    "Los vecinos relataron que la situación se repetía desde hacía varios meses.",
    "Las autoridades pidieron a la ciudadanía denunciar cualquier hecho similar.",
]


def page(n: int) -> bytes:
    body = "".join(f"<p>{p.format(n=n)} Detalle {n}-{i}.</p>" for i, p in enumerate(PARAGRAPHS))
    return (
        f"<!DOCTYPE html><html lang='es'><head><meta charset='utf-8'><title>Noticia {n}</title>"
        f"<meta property='article:published_time' content='2026-05-{n % 28 + 1:02d}'></head>"
        "<body><nav><a href='/'>Inicio</a> <a href='/pais'>País</a></nav>"
        f"<article><h1>Noticia de prueba número {n}</h1>{body}</article>"
        "<aside><h3>Más noticias</h3><a href='/x'>Otra nota en San Pedro</a></aside>"
        "<p>Únete a nuestro canal de WhatsApp</p><footer>© Diario de prueba</footer>"
        "</body></html>"
    ).encode()


def serve(n: int):
    sitemap = (
        "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        + "".join(f"<url><loc>{{base}}/nota/{i}</loc></url>" for i in range(n))
        + "</urlset>"
    )

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            if self.path == "/robots.txt":
                body = b"User-agent: *\nDisallow: /privado/\n"
            elif self.path == "/sitemap.xml":
                body = sitemap.replace("{base}", base).encode()
            elif self.path.startswith("/nota/"):
                body = page(int(self.path.rsplit("/", 1)[1]))
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="pages to fetch")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="nanduti-bench-")
    os.environ["NANDUTI_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from nanduti.monitoring import crawler, readers
    from nanduti.monitoring.models import Article, Source

    server, base = serve(args.n)
    source = Source.objects.create(
        name="bench", kind="sitemap", url=f"{base}/sitemap.xml", min_interval_seconds=0.0
    )
    started = time.perf_counter()
    report = crawler.fetch_all(
        [source], stdout=io.StringIO(), max_items_per_source=args.n, default_interval=0.0
    )
    elapsed = time.perf_counter() - started
    server.shutdown()

    t0 = time.perf_counter()
    for i in range(min(args.n, 200)):
        readers.article_from_html(page(i), url=f"{base}/nota/{i}")
    extract_ms = (time.perf_counter() - t0) / min(args.n, 200) * 1000

    stored = Article.objects.count()
    print(f"pages requested: {report.requests - 2}  (plus robots.txt and the sitemap)")
    print(f"articles stored: {stored}  errors: {len(report.errors)}")
    print(f"fetch_all: {elapsed:.2f} s  ->  {stored / elapsed:.1f} pages/s (one process)")
    print(f"trafilatura article_from_html alone: {extract_ms:.2f} ms/page")
    if stored != args.n:
        sys.exit("not every page was stored")


if __name__ == "__main__":
    main()
