"""The real development set keeps one schema across its splits.

Every split (tune, test, the fresh test sets) is scored by the same benchmark against the same
contract, so a row that carries other gold keys, a label outside the taxonomy, or a duplicate
source would silently change a figure. The labels themselves are checked by no test: they are
the labeller's calls under docs/monitoring_labelling_guide.md.
"""

import json
import re
from pathlib import Path

import pytest

from nanduti.monitoring.training import load_jsonl
from nanduti.taxonomy import vocab

DEVSET = Path(__file__).parents[2] / "benchmarks" / "data" / "monitoring_devset" / "devset.jsonl"
ROW_KEYS = {"id", "split", "url", "outlet", "date", "language", "title", "text", "gold"}
OPTIONAL_KEYS = {"same_story_as"}
GOLD_KEYS = {"is_trafficking", "platforms", "departments", "destination_countries", "victim_minor"}
SPLITS = {"tune", "test", "excluded", "test2", "test3", "test4", "test5", "test6", "test7"}
HELD_OUT = SPLITS - {"tune", "test", "test2", "test3", "test4"}  # tuning data since sessions 6-7
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _rows() -> list[dict]:
    with open(DEVSET, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _labels(name: str, language: str) -> set[str]:
    return {term.label(language) for term in vocab.get(name).terms}


def _source(url: str) -> str:
    """The page a URL names: scheme, 'www.', trailing slash and '/amp' ignored, and the query
    string too unless it is what names the page (`site/?p=123`, `ler.php?id=9`)."""
    bare = re.sub(r"^https?://(www\.)?", "", url.strip().lower())
    path, _, query = bare.partition("?")
    path = path.rstrip("/").removesuffix("/amp")
    names_the_page = "/" not in path or path.endswith((".php", ".asp", ".aspx"))
    return f"{path}?{query}" if query and names_the_page else path


ROWS = _rows()


@pytest.mark.parametrize("row", ROWS, ids=[row.get("id", "?") for row in ROWS])
def test_every_row_carries_the_same_fields_and_gold_keys(row):
    assert ROW_KEYS <= set(row) <= ROW_KEYS | OPTIONAL_KEYS
    assert row["split"] in SPLITS
    assert row["language"] in {"es", "pt"}
    assert row["date"] is None or DATE.match(row["date"])
    assert row["url"].startswith(("http://", "https://"))
    assert row["text"].strip() and row["outlet"].strip()
    gold = row["gold"]
    assert set(gold) == GOLD_KEYS
    assert isinstance(gold["is_trafficking"], bool)
    assert gold["victim_minor"] in (True, False, None)
    for key in ("platforms", "departments", "destination_countries"):
        assert isinstance(gold[key], list) and len(set(gold[key])) == len(gold[key])
    for story in row.get("same_story_as", []):
        assert isinstance(story, str) and story


def test_gold_labels_are_names_of_the_taxonomy():
    # the contract's names: platform and country English labels, department Spanish labels
    known = {
        "platforms": _labels("platform", "en"),
        "departments": _labels("department", "es"),
        "destination_countries": _labels("country", "en"),
    }
    unknown = {
        (row["id"], key, value)
        for row in ROWS
        for key, names in known.items()
        for value in row["gold"][key]
        if value not in names
    }
    assert not unknown


def test_near_misses_carry_no_destination_and_no_victim_age():
    # the guide labels destinations and victims' ages on relevant items only
    wrong = [
        row["id"]
        for row in ROWS
        if not row["gold"]["is_trafficking"]
        and (row["gold"]["destination_countries"] or row["gold"]["victim_minor"] is not None)
    ]
    assert not wrong


def test_ids_and_sources_are_unique():
    ids = [row["id"] for row in ROWS]
    sources = [_source(row["url"]) for row in ROWS]
    assert len(set(ids)) == len(ids)
    assert len(set(sources)) == len(sources)


def test_the_training_loader_never_reads_a_held_out_row():
    trained_on = {row["text"] for row in load_jsonl(DEVSET)}
    held_out = {row["text"] for row in ROWS if row["split"] in HELD_OUT}
    assert trained_on and not trained_on & held_out
