"""The monitoring pipeline over items: the contract of DESIGN.md §5.

Input item: ``{"id", "title", "text", "url"?, "date"?, "outlet"?}``. Output:
``{"id", "is_trafficking", "score", "platforms", "departments", "cities",
"destination_countries", "victim_minor", "victim_gender", "exploitation", "date",
"evidence"}`` plus the extra keys ``language``, ``group`` (story group), ``flags``,
``relevance`` (lexicon and model parts with the cues), ``other_technologies``,
``victim_ages``, ``date_source`` and ``warnings`` when there are any.

Items are processed in chunks so the relevance model runs once per chunk, not per item.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from nanduti.taxonomy import vocab

from . import dates, language
from .ads import screen_item
from .dedup import StoryGrouper
from .facts import extract_facts
from .gazetteer import country_finder, fold_keep_length, place_finder, platform_finder
from .relevance import score_many
from .text import article_body, clean, repeated_lines

# Name finders are built once from the vocabularies; a term an analyst adds rebuilds them.
for _finder in (platform_finder, place_finder, country_finder):
    vocab.on_change(_finder.cache_clear)

PIPELINE_VERSION = "2026.12.9"  # bump when rules, lexicon or model change
CHUNK = 256
BOILERPLATE_SAMPLE = 5000  # items read in the first pass that finds cross-item boilerplate
DESTINATION_MIN_SCORE = 0.3
CONTRACT_KEYS = (
    "id",
    "is_trafficking",
    "score",
    "platforms",
    "departments",
    "cities",
    "destination_countries",
    "victim_minor",
    "victim_gender",
    "exploitation",
    "date",
    "evidence",
)


class Grouper(Protocol):
    """What extraction needs of a story grouper: the :class:`StoryGrouper` itself, or a
    worker's stand-in that only collects signatures (``batch._SignatureCollector``)."""

    def add(self, item_id: str, text: str, folded: bool = False) -> str: ...


@dataclass
class Report:
    read: int = 0
    written: int = 0
    relevant: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line number, error)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)  # (line, id, warning)
    seconds: float = 0.0

    def merge(self, other: Report) -> None:
        self.read += other.read
        self.written += other.written
        self.relevant += other.relevant
        self.invalid += other.invalid
        self.warnings += other.warnings

    def summary(self) -> str:
        rate = self.written / self.seconds if self.seconds else 0.0
        return (
            f"{self.read} leídos / read, {self.written} escritos / written, "
            f"{self.relevant} pertinentes / relevant, {len(self.invalid)} líneas inválidas / "
            f"invalid lines, {len(self.warnings)} avisos / warnings "
            f"({self.seconds:.1f} s, {rate:.0f} por segundo / per second)"
        )


def _item_id(item: dict, warnings: list[str]) -> str:
    value = item.get("id")
    if value not in (None, ""):
        return str(value)
    digest = hashlib.sha1(
        json.dumps([item.get("url"), item.get("title"), item.get("text")], default=str).encode()
    ).hexdigest()[:16]
    warnings.append(
        "missing_id: falta 'id'; se generó uno a partir del contenido / "
        "missing 'id'; one was generated from the content"
    )
    return f"gen-{digest}"


def batch_boilerplate(items: Iterable[dict]) -> dict[str | None, frozenset[str]]:
    """Lines repeated verbatim across many items of one outlet in this batch (see text.py)."""
    return repeated_lines(
        (str(item.get("outlet") or "") or None, str(item.get("text") or ""))
        for item in items
        if isinstance(item, dict)
    )


def extract_items(
    items: list[dict],
    grouper: Grouper | None = None,
    repeated: dict[str | None, frozenset[str]] | None = None,
) -> list[dict]:
    """The contract's output for each item, in order (one model call for the batch).

    ``repeated``: cross-item boilerplate by outlet (:func:`batch_boilerplate`); when not
    given, it is computed over ``items`` themselves (so one item alone drops nothing).
    """
    vocab.refresh()  # a platform added since the last batch is recognised in this one
    if repeated is None:
        repeated = batch_boilerplate(items)
    prepared = []
    for item in items:
        warnings: list[str] = []
        if not isinstance(item, dict):
            item = {"text": str(item)}
            warnings.append("not_an_object: el ítem no es un objeto / item is not an object")
        item_id = _item_id(item, warnings)
        title_clean = clean(str(item.get("title") or ""), max_chars=2000)
        outlet = str(item.get("outlet") or "") or None
        text_clean = clean(str(item.get("text") or ""), repeated=repeated.get(outlet, frozenset()))
        warnings += text_clean.warnings
        if not text_clean.text and not title_clean.text:
            warnings.append("empty_text: texto vacío / empty text")
        published = None
        if item.get("date"):
            try:
                published = dates.parse_published(item.get("date"))
            except Exception:
                published = None
            if published is None:
                warnings.append(
                    "bad_date: fecha de publicación ilegible / unreadable publication date"
                )
        prepared.append((item_id, title_clean.text, text_clean.text, published, warnings))
    bodies = [article_body(title, text) for _, title, text, _, _ in prepared]
    folded = [fold_keep_length(body) for body in bodies]  # folded once, read by every step
    relevances = score_many([(title, text) for _, title, text, _, _ in prepared], folded=folded)
    results = []
    for (item_id, title, text, published, warnings), rel, body, fold in zip(
        prepared, relevances, bodies, folded, strict=True
    ):
        facts = extract_facts(text, published, title, folded=fold)
        if rel.score < DESTINATION_MIN_SCORE and not facts.exploitation:
            # A destination is where a victim was taken: a team travelling to Buenos Aires
            # or a cargo bound for Brazil in an unrelated story is not one. A story that
            # itself describes exploitation keeps its destinations whatever its score, so a
            # relevant story the score misses (a new outlet, a new wording) keeps its facts.
            facts.destination_countries = []
            facts.evidence.pop("destination_countries", None)
        evidence = {k: v for k, v in facts.evidence.items() if v}
        if rel.evidence:
            evidence["relevance"] = rel.evidence
        out = {
            "id": item_id,
            "is_trafficking": rel.is_trafficking,
            "score": rel.score,
            "platforms": facts.platforms,
            "departments": facts.departments,
            "cities": facts.cities,
            "destination_countries": facts.destination_countries,
            "victim_minor": facts.victim_minor,
            "victim_gender": facts.victim_gender,
            "exploitation": facts.exploitation,
            "date": facts.date,
            "evidence": evidence,
            "language": language.detect(body),
            "group": grouper.add(item_id, fold, folded=True) if grouper else item_id,
            "flags": rel.flags + (["destination_abroad_unknown"] if facts.abroad_unknown else []),
            "relevance": {"lexicon": rel.lexicon, "model": rel.model, "cues": rel.cues},
            "other_technologies": facts.other_technologies,
            "victim_ages": facts.victim_ages,
            "date_source": facts.date_source,
        }
        if warnings:
            out["warnings"] = warnings
        results.append(out)
    return results


def extract_item(item: dict) -> dict:
    """One item → the contract's output (DESIGN.md §5)."""
    return extract_items([item])[0]


def extract_text(text: str, title: str = "", published: str | None = None) -> dict:
    """Convenience for a single text: the same output as :func:`extract_item`."""
    return extract_item({"id": "text", "title": title, "text": text, "date": published})


def read_jsonl(path: Path | str) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, item or None, error or None) for each non-blank line."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, None, f"JSON inválido / invalid JSON: {error.msg} (col {error.colno})"
                continue
            if not isinstance(item, dict):
                yield number, None, "se esperaba un objeto JSON / a JSON object was expected"
                continue
            yield number, item, None


def process_lines(
    numbered: Iterable[tuple[int, dict | None, str | None]],
    write,
    grouper: Grouper | None = None,
    chunk_size: int = CHUNK,
    repeated: dict[str | None, frozenset[str]] | None = None,
) -> Report:
    """Extract over numbered items, calling ``write(output_dict)``; returns the report.

    ``repeated`` is the batch's cross-item boilerplate (:func:`sample_boilerplate`); without
    it each chunk finds its own.
    """
    report = Report()
    good: list[tuple[int, dict]] = []

    def flush() -> None:
        outputs = extract_items([item for _, item in good], grouper, repeated)
        for (number, _), out in zip(good, outputs, strict=True):
            for warning in out.get("warnings", []):
                report.warnings.append((number, out["id"], warning))
            report.relevant += bool(out["is_trafficking"])
            write(out)
            report.written += 1
        good.clear()

    for number, item, error in numbered:
        if item is None:
            report.invalid.append((number, error or ""))
            continue
        report.read += 1
        good.append((number, item))
        if len(good) >= chunk_size:
            flush()
    if good:
        flush()
    return report


def sample_boilerplate(
    in_path: Path | str, sample: int = BOILERPLATE_SAMPLE
) -> dict[str | None, frozenset[str]]:
    """First pass over a JSONL file (its first ``sample`` items): cross-item boilerplate."""
    items: list[dict] = []
    for _, item, _error in read_jsonl(in_path):
        if item is not None:
            items.append(item)
            if len(items) >= sample:
                break
    return batch_boilerplate(items)


def extract_jsonl(in_path: Path | str, out_path: Path | str, chunk_size: int = CHUNK) -> Report:
    """Stream ``in_path`` (JSONL) to ``out_path`` (JSONL); bad lines reported and skipped."""
    started = time.perf_counter()
    repeated = sample_boilerplate(in_path)
    grouper = StoryGrouper()
    with open(out_path, "w", encoding="utf-8") as out:

        def write(row: dict) -> None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

        report = process_lines(read_jsonl(in_path), write, grouper, chunk_size, repeated)
    report.seconds = time.perf_counter() - started
    return report


def screen_ads_jsonl(in_path: Path | str, out_path: Path | str) -> Report:
    """Red-flag screening of job ads / posts, one JSONL line per ad."""
    started = time.perf_counter()
    report = Report()
    with open(out_path, "w", encoding="utf-8") as out:
        for number, item, error in read_jsonl(in_path):
            if item is None:
                report.invalid.append((number, error or ""))
                continue
            report.read += 1
            warnings: list[str] = []
            item = dict(item, id=_item_id(item, warnings))
            result = screen_item(item)
            result["warnings"] = warnings + result.get("warnings", [])
            if not result["warnings"]:
                del result["warnings"]
            for warning in result.get("warnings", []):
                report.warnings.append((number, result["id"], warning))
            report.relevant += bool(result["suspicious"])
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            report.written += 1
    report.seconds = time.perf_counter() - started
    return report
