"""Batch runner: a folder of shards in parallel processes, and on Spark, same output."""

import json

import pytest

from nanduti.monitoring.extract.batch import run_processes, run_spark
from nanduti.monitoring.extract.pipeline import extract_jsonl
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


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_processes_give_the_same_output_as_one_extract(shards, tmp_path):
    folder, whole = shards
    extract_jsonl(whole, tmp_path / "one.jsonl")
    report = run_processes(folder, tmp_path / "many.jsonl", workers=2)
    assert _rows(tmp_path / "many.jsonl") == _rows(tmp_path / "one.jsonl")
    assert report.written == 17
    assert report.invalid and "part-0.jsonl" in report.invalid[0][1]
    groups = {row["id"]: row["group"] for row in _rows(tmp_path / "many.jsonl")}
    assert groups["copy"] == "n0"  # grouped across shards


@pytest.mark.slow
def test_spark_local_mode_gives_the_same_output(shards, tmp_path):
    folder, _ = shards
    run_processes(folder, tmp_path / "processes.jsonl", workers=1)
    report = run_spark(folder, tmp_path / "spark.jsonl", master="local[2]")
    assert report.written == 17
    assert _rows(tmp_path / "spark.jsonl") == _rows(tmp_path / "processes.jsonl")
