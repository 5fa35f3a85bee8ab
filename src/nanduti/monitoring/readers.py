"""Readers of local collections: JSONL items, folders of HTML pages, WARC archives.

Each yields article items ``{"url", "title", "text", "date", "outlet", "language", "id",
"origin", "raw"?}``; HTML is turned into text by :func:`article_from_html` (trafilatura).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import trafilatura

MAX_HTML_BYTES = 5_000_000


def detect_language(text: str) -> str:
    """es / en / pt / gn, or '' when the text is too short to tell (the pipeline's detector)."""
    from nanduti.monitoring.extract.language import detect

    language = detect(text or "")
    return language if language in ("es", "en", "pt", "gn") else ""


def _field(doc, name: str):
    if doc is None:
        return None
    if isinstance(doc, dict):
        return doc.get(name)
    return getattr(doc, name, None)


def article_from_html(html: str | bytes, url: str = "") -> dict:
    """Title, main text, date, canonical URL and language of a news page.

    Navigation, footers, "más noticias" teasers and share boxes are left out by trafilatura's
    main-content detection; the canonical URL comes from ``<link rel=canonical>`` / og:url.
    """
    if isinstance(html, bytes):
        # trafilatura guesses the encoding of bytes (meta charset, then detection), so pages
        # still served as Latin-1 read correctly.
        html = html[:MAX_HTML_BYTES]
    doc = trafilatura.bare_extraction(
        html,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    text = (_field(doc, "text") or "").strip()
    title = (_field(doc, "title") or "").strip()
    head = html[:3000].decode("ascii", "ignore") if isinstance(html, bytes) else html[:3000]
    language = (_field(doc, "language") or "") or _html_lang(head) or detect_language(text)
    return {
        "url": _field(doc, "url") or url,
        "title": title,
        "text": text,
        "date": _field(doc, "date"),
        "language": language[:2],
        "site": _field(doc, "sitename") or "",
    }


def _html_lang(html: str) -> str:
    m = re.search(r"<html[^>]*\blang=[\"']?([a-zA-Z]{2})", html)
    return m.group(1).lower() if m else ""


def read_jsonl(path, errors: list[str] | None = None) -> Iterator[dict]:
    """Items of a JSONL file; a bad line is reported (with its number) in ``errors`` and
    skipped, the others are read."""
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                if errors is not None:
                    errors.append(
                        f"{path.name}, línea {n}: JSON inválido ({exc.msg}) / "
                        f"line {n}: invalid JSON"
                    )
                continue
            if not isinstance(item, dict):
                if errors is not None:
                    errors.append(
                        f"{path.name}, línea {n}: se esperaba un objeto / line {n}: "
                        "an object was expected"
                    )
                continue
            item.setdefault("id", f"{path.stem}:{n}")
            if not item.get("language"):
                item["language"] = detect_language(item.get("text") or "")
            yield item


def read_html_dir(folder, outlet: str = "") -> Iterator[dict]:
    """Articles of every ``*.html`` / ``*.htm`` file under a folder (sorted, recursive)."""
    folder = Path(folder)
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm")):
        raw = path.read_bytes()
        item = article_from_html(raw, url="")
        if not item["url"]:
            item["url"] = path.resolve().as_uri()
        item.update(id=str(path.relative_to(folder)), outlet=outlet or item.pop("site", ""))
        item["raw"] = raw
        yield item


def read_warc(path, outlet: str = "") -> Iterator[dict]:
    """Articles of the HTML responses (status 200) stored in a WARC file (gzip or not)."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            if record.http_headers.get_statuscode() != "200":
                continue
            ctype = record.http_headers.get_header("Content-Type") or ""
            if "html" not in ctype.lower():
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            raw = record.content_stream().read(MAX_HTML_BYTES)
            item = article_from_html(raw, url=url)
            item.update(
                id=record.rec_headers.get_header("WARC-Record-ID") or url,
                outlet=outlet or item.pop("site", ""),
                raw=raw,
            )
            yield item


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(html|body|div|p|script)\b", text[:2000], re.I))
