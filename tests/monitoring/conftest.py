"""Fixtures shared by the monitoring tests."""

import json

import pytest

from nanduti.monitoring.training import snippets


@pytest.fixture
def shards(tmp_path):
    data = snippets()
    items = [
        {"id": f"n{i}", "title": it["title"], "text": it["text"], "date": "2024-05-10"}
        for i, it in enumerate(data["positive"][:8] + data["negative"][:8])
    ]
    # the same story in another outlet lands in a later shard
    items.append({"id": "copy", "title": "Otro medio", "text": items[0]["text"] + " Fin."})
    folder = tmp_path / "shards"
    folder.mkdir()
    lines = [json.dumps(it, ensure_ascii=False) for it in items]
    lines.insert(5, "{broken")
    for k in range(3):
        (folder / f"part-{k}.jsonl").write_text("\n".join(lines[k * 6 : (k + 1) * 6]) + "\n")
    whole = tmp_path / "whole.jsonl"
    whole.write_text("\n".join(lines) + "\n")
    return folder, whole


@pytest.fixture
def paraguayan_side():
    """A sentence to put before a lone sentence about a place abroad: alone, such a sentence
    is a domestic case there (labelling guide: "domestic cases have none"); the story's
    Paraguayan side makes the crossing."""
    return "Las víctimas son de Caaguazú. "
