"""Quality on development articles: F1 of relevance, platforms, departments, destinations.

``data/dev*_articles.jsonl`` are 58 news-style articles
written by the Ñandutí project (not in the training data) with footers, teasers and the
traps of real pages; each carries its expected ("gold") values. They were written while
the rules were developed, so these figures are optimistic: the held-out set of real
articles is the true test.
"""

import json
from pathlib import Path

import pytest

from nanduti.monitoring.extract.pipeline import extract_items

DATA = Path(__file__).parent / "data"
FIELDS = ("platforms", "departments", "destination_countries")


def _load():
    rows = []
    for name in ("dev_articles.jsonl", "dev2_articles.jsonl", "dev3_articles.jsonl"):
        with open(DATA / name, encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def _f1(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@pytest.fixture(scope="module")
def scored():
    rows = _load()
    return rows, extract_items([{k: r[k] for k in ("id", "title", "text", "date")} for r in rows])


def test_relevance_f1(scored):
    rows, outputs = scored
    pairs = [
        (r["gold"]["is_trafficking"], o["is_trafficking"])
        for r, o in zip(rows, outputs, strict=True)
    ]
    tp = sum(gold and found for gold, found in pairs)
    fp = sum(found and not gold for gold, found in pairs)
    fn = sum(gold and not found for gold, found in pairs)
    assert len(rows) == 58
    assert _f1(tp, fp, fn) >= 0.9


@pytest.mark.parametrize("field", FIELDS)
def test_fact_f1(scored, field):
    rows, outputs = scored
    tp = fp = fn = 0
    for row, out in zip(rows, outputs, strict=True):
        gold, found = set(row["gold"][field]), set(out[field])
        tp += len(gold & found)
        fp += len(found - gold)
        fn += len(gold - found)
    assert _f1(tp, fp, fn) >= 0.9, field
