"""Local collections as sources: JSONL files, folders of HTML pages, WARC archives."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from nanduti.monitoring import crawler, readers
from nanduti.monitoring.models import Article, FetchedResponse, Source, SourceKind

PAGES = Path(__file__).parent / "crawler_site" / "noticias"


@pytest.fixture(autouse=True)
def raw_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_jsonl_reports_bad_lines_with_their_number_and_reads_the_rest(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(
        json.dumps({"id": "a", "title": "Uno", "text": "La policía rescató a una joven en Luque."})
        + "\n{not json\n\n[1, 2]\n"
        + json.dumps(
            {
                "id": "b",
                "title": "Dos",
                "text": "The police rescued two women from a house in the city.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    errors: list[str] = []
    items = list(readers.read_jsonl(path, errors=errors))
    assert [i["id"] for i in items] == ["a", "b"]
    assert [i["language"] for i in items] == ["es", "en"]
    assert len(errors) == 2
    assert "línea 2" in errors[0] and "line 2" in errors[0]
    assert "línea 4" in errors[1]


@pytest.mark.django_db
def test_jsonl_source_stores_articles_and_skips_duplicates(tmp_path):
    item = {
        "id": "x1",
        "title": "Caso",
        "text": "Detienen a un hombre por trata en Caaguazú.",
        "url": "https://diario.example/nota/1?utm_campaign=a",
        "date": "2026-02-03",
        "outlet": "Diario Ejemplo",
    }
    copy = {**item, "id": "x2", "url": "https://otro.example/nota/9"}
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in (item, item, copy)) + "\n", encoding="utf-8")
    src = Source.objects.create(name="archivo", kind=SourceKind.JSONL, url=str(path))
    report = crawler.fetch_all([src], stdout=io.StringIO())
    assert (report.new_articles, report.duplicate_url, report.duplicate_content) == (1, 1, 1)
    article = Article.objects.get()
    assert article.canonical_url == "https://diario.example/nota/1"
    assert article.published.isoformat() == "2026-02-03"
    assert article.outlet == "Diario Ejemplo"


@pytest.mark.django_db
def test_html_folder_source(tmp_path):
    folder = tmp_path / "paginas"
    folder.mkdir()
    for name in ("captacion-facebook.html", "operativo-tiktok.html", "copia-captacion.html"):
        (folder / name).write_bytes((PAGES / name).read_bytes())
    (folder / "notas.txt").write_text("no es html")
    src = Source.objects.create(
        name="carpeta", kind=SourceKind.HTML_DIR, url=str(folder), outlet="Archivo local"
    )
    report = crawler.fetch_all([src], stdout=io.StringIO())
    assert report.new_articles == 2
    assert report.duplicate_content == 1
    titles = sorted(Article.objects.values_list("title", flat=True))
    assert titles[0].startswith("Imputan a hombre")
    assert all(a.outlet == "Archivo local" for a in Article.objects.all())
    assert FetchedResponse.objects.count() == 3  # every raw page is kept


def _warc(path: Path) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for name, status in (
            ("sextorsion-instagram.html", "200 OK"),
            ("trafico-cocaina.html", "404 Not Found"),
        ):
            body = (PAGES / name).read_bytes()
            headers = StatusAndHeaders(
                status, [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"https://diario.example/{name}",
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
            )
            writer.write_record(record)


@pytest.mark.django_db
def test_warc_source_reads_html_responses_with_status_200(tmp_path):
    path = tmp_path / "captura.warc.gz"
    _warc(path)
    src = Source.objects.create(name="warc", kind=SourceKind.WARC, url=str(path), outlet="Archivo")
    report = crawler.fetch_all([src], stdout=io.StringIO())
    assert report.new_articles == 1
    article = Article.objects.get()
    assert "Instagram" in article.title
    assert article.published.isoformat() == "2026-05-06"


@pytest.mark.django_db
def test_missing_local_file_is_an_error_on_the_source(tmp_path):
    src = Source.objects.create(name="falta", kind=SourceKind.JSONL, url=str(tmp_path / "no.jsonl"))
    report = crawler.fetch_all([src], stdout=io.StringIO())
    src.refresh_from_db()
    assert report.errors and "could not be read" in src.last_error


def test_language_guess():
    assert (
        readers.detect_language("La fiscalía imputó a los sospechosos por la trata de una joven")
        == "es"
    )
    assert (
        readers.detect_language("The prosecutor charged the suspects with trafficking of a woman")
        == "en"
    )
    assert readers.detect_language("hola") == ""


def test_latin1_pages_are_decoded():
    html = (
        "<html lang='es'><head><meta charset='iso-8859-1'><title>Niñas rescatadas</title></head>"
        "<body><article><h1>Niñas rescatadas en Concepción</h1><p>La fiscalía informó que las "
        "niñas fueron rescatadas en Concepción tras una denuncia anónima de vecinos del barrio."
        "</p><p>La investigación continúa y no se descartan más detenciones en los próximos "
        "días, según la policía.</p></article></body></html>"
    ).encode("latin-1")
    item = readers.article_from_html(html, url="https://d.example/n")
    assert "Concepción" in item["text"] and "niñas" in item["text"]
    assert item["language"] == "es"
