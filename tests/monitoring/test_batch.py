"""Batch runner: a folder of shards in parallel processes, and on Spark, same output."""

import json

import pytest

from nanduti.monitoring.extract.batch import run_processes, run_spark
from nanduti.monitoring.extract.pipeline import extract_jsonl


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
