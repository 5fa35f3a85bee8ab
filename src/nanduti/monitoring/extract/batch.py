"""A folder of JSONL shards through the pipeline, in parallel, with the same output.

Each shard is processed by :func:`process_shard` (a pure function of a file: it writes the
shard's output next to it and returns the report and the story signatures). Two engines
run that same function: local processes (``concurrent.futures``) and Apache Spark (local
mode in tests; a cluster with a shared filesystem in production). The parent then merges
shard outputs in shard order and assigns story groups over the whole collection, so the
result is line for line what ``monitor extract`` gives on the concatenated shards.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .dedup import NUM_PERM, StoryGrouper, signature
from .pipeline import Report, process_lines, read_jsonl, sample_boilerplate


@dataclass
class ShardResult:
    shard: str
    output: str
    report: Report
    signatures: list[tuple[str, list[int] | None]]  # (id, MinHash hash values) in order
    scheme: str | None = None  # datasketch's hashing scheme of those values


class _SignatureCollector:
    """Stands in for the story grouper inside a worker: remembers signatures only."""

    def __init__(self) -> None:
        self.signatures: list[tuple[str, list[int] | None]] = []
        self.scheme: str | None = None

    def add(self, item_id: str, text: str, folded: bool = False) -> str:
        minhash = signature(text, folded)
        values = None if minhash is None else [int(v) for v in minhash.hashvalues]
        self.signatures.append((item_id, values))
        self.scheme = getattr(minhash, "scheme", None) or self.scheme
        return item_id


def shards_of(folder: Path | str) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".jsonl", ".json", ".ndjson"))


def process_shard(shard: str, output: str) -> ShardResult:
    """Run the pipeline over one shard file; written to ``output``."""
    collector = _SignatureCollector()
    started = time.perf_counter()
    with open(output, "w", encoding="utf-8") as out:

        def write(row: dict) -> None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

        report = process_lines(
            read_jsonl(shard), write, collector, repeated=sample_boilerplate(shard)
        )
    report.seconds = time.perf_counter() - started
    return ShardResult(shard, output, report, collector.signatures, collector.scheme)


def _process_pair(pair: tuple[str, str]) -> ShardResult:
    return process_shard(*pair)


def merge(results: list[ShardResult], out_path: Path | str) -> Report:
    """Concatenate shard outputs in order, with story groups over the whole collection."""
    from datasketch import MinHash

    grouper = StoryGrouper()
    total = Report()
    with open(out_path, "w", encoding="utf-8") as out:
        for result in results:
            name = Path(result.shard).name
            shard_report = result.report
            shard_report.invalid = [(n, f"{name}: {e}") for n, e in shard_report.invalid]
            shard_report.warnings = [(n, i, f"{name}: {w}") for n, i, w in shard_report.warnings]
            total.merge(shard_report)
            groups = []
            for item_id, values in result.signatures:
                if values is None:
                    groups.append(grouper.add(item_id, ""))
                    continue
                minhash = MinHash(
                    num_perm=NUM_PERM,
                    seed=1,
                    hashfunc=zlib.crc32,
                    hashvalues=values,
                    scheme=result.scheme,
                )
                groups.append(grouper.add_signature(item_id, minhash))
            with open(result.output, encoding="utf-8") as fh:
                for line, group in zip(fh, groups, strict=True):
                    row = json.loads(line)
                    row["group"] = group
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return total


def _plan(folder: Path | str, work: Path) -> list[tuple[str, str]]:
    shards = shards_of(folder)
    return [(str(s), str(work / f"{i:05d}.out.jsonl")) for i, s in enumerate(shards)]


def run_processes(folder: Path | str, out_path: Path | str, workers: int | None = None) -> Report:
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="nanduti-batch-"))
    try:
        plan = _plan(folder, work)
        workers = workers or os.cpu_count() or 1
        if workers == 1 or len(plan) <= 1:
            results = [_process_pair(p) for p in plan]
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(_process_pair, plan))
        report = merge(results, out_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def worker_settings() -> dict[str, str]:
    """Spark settings that make every Python worker run the code the driver runs.

    Spark starts its workers with ``python3`` from the executor's ``PATH`` unless told
    otherwise; when ``nanduti`` is called by its path (cron, a service) that interpreter is
    the system's and lacks the package. So the workers get this very interpreter, and the
    folder this ``nanduti`` package was imported from on their ``PYTHONPATH`` (an editable
    or source checkout is not on the interpreter's own path).
    """
    package_root = str(Path(__file__).resolve().parents[3])
    return {
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        "spark.executorEnv.PYTHONPATH": package_root,
    }


def run_spark(
    folder: Path | str,
    out_path: Path | str,
    master: str = "local[*]",
    settings: dict[str, str] | None = None,
) -> Report:
    """The same shard function on Apache Spark (``pip install 'nanduti[spark]'``).

    ``master``: ``local[N]`` or a cluster (``spark://host:port``) whose workers share this
    machine's filesystem paths; ``settings``: further Spark settings (ports, memory).
    """
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="nanduti-spark-"))
    builder = (
        SparkSession.builder.master(master)
        .appName("nanduti-monitor")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    for key, value in {**worker_settings(), **(settings or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    # PySpark takes the workers' interpreter from PYSPARK_PYTHON (or "python3") when the
    # context starts, not from the setting above; every Python function shipped from here
    # reads it from the context, so point it at this interpreter.
    spark.sparkContext.pythonExec = sys.executable
    try:
        plan = _plan(folder, work)
        if plan:
            rdd = spark.sparkContext.parallelize(plan, numSlices=len(plan))
            results = rdd.map(_process_pair).collect()
        else:
            results = []
        report = merge(results, out_path)
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report
