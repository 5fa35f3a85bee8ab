"""Extraction quality on the project's held-out evaluation set (no internet, no model download).

    python benchmarks/monitor_quality.py [--data FILE] [--errors FILE] [--doc FILE] [--n N]
                                         [--strip-noise] [--half even|odd|all]

Runs ``nanduti monitor extract`` (the CLI, as a user would) over
``tests/monitoring/eval/heldout.jsonl`` — 205 news items written by the project for evaluation
and labelled by hand, see that folder's README — feeding it only the public fields (id, title,
text, date, outlet, url; never the gold labels), then prints:

- relevance (is the item about trafficking / sexual exploitation): precision, recall, F1;
- platforms, departments and destination countries: precision, recall and F1 micro-averaged
  over items, once over the items whose gold ``is_trafficking`` is true and once over all items.

Every disagreement is written, one line each, to ``--errors`` (TSV: id, field, expected, got,
title). ``--doc`` writes the figures, date and commit to a Markdown file. ``--strip-noise`` is a
diagnostic: it removes the set's page-noise lines (menus, bylines, teasers, follow-us lines,
"Publicidad", exactly as the set's builder added them) before extraction, to show how much of
the error comes from page noise.

Generic, unbranded means (SMS, phone call, other e-mail, other website, bank transfer, other
cryptocurrency, other platform) are not scored: the set's annotation rules leave them out of the
gold, so they are dropped from the predictions too (documented in the set's README).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "tests" / "monitoring" / "eval" / "heldout.jsonl"
DEFAULT_ERRORS = ROOT / "benchmarks" / "out" / "monitor_quality_errors.tsv"
PLATFORM_CSV = ROOT / "src" / "nanduti" / "taxonomy" / "data" / "platform.csv"
PUBLIC_FIELDS = ("id", "title", "text", "date", "outlet", "url")
LIST_FIELDS = ("platforms", "departments", "destination_countries")
GENERIC_PLATFORM_CODES = {
    "sms",
    "phone_call",
    "email",
    "website",
    "bank_transfer",
    "cryptocurrency",
    "other_platform",
}


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def generic_platform_labels(path: Path = PLATFORM_CSV) -> set[str]:
    """English labels of the generic means that the set does not score."""
    with open(path, encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        return {row["label_en"] for row in rows if row["code"] in GENERIC_PLATFORM_CODES}


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predicted_lists(pred: dict, ignored_platforms: set[str]) -> dict[str, set[str]]:
    out = {field: set(pred.get(field) or []) for field in LIST_FIELDS}
    out["platforms"] -= ignored_platforms
    return out


def score_relevance(gold: list[dict], preds: dict[str, dict]) -> Score:
    tp = fp = fn = 0
    for item in gold:
        truth = item["gold"]["is_trafficking"]
        guess = bool(preds.get(item["id"], {}).get("is_trafficking", False))
        tp += truth and guess
        fp += guess and not truth
        fn += truth and not guess
    return Score(tp, fp, fn)


def score_list(
    gold: list[dict], preds: dict[str, dict], field: str, ignored: set[str], relevant_only: bool
) -> Score:
    """Micro-average over items: every (item, value) pair is one decision."""
    tp = fp = fn = 0
    for item in gold:
        if relevant_only and not item["gold"]["is_trafficking"]:
            continue
        expected = set(item["gold"][field])
        got = predicted_lists(preds.get(item["id"], {}), ignored)[field]
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
    return Score(tp, fp, fn)


def score_all(gold: list[dict], preds: dict[str, dict], ignored: set[str]) -> dict[str, Score]:
    scores = {"relevance": score_relevance(gold, preds)}
    for field in LIST_FIELDS:
        scores[f"{field} (relevant items)"] = score_list(gold, preds, field, ignored, True)
        scores[f"{field} (all items)"] = score_list(gold, preds, field, ignored, False)
    return scores


def errors(gold: list[dict], preds: dict[str, dict], ignored: set[str]) -> list[dict]:
    """One row per item and field where the extractor disagrees with the gold."""
    rows = []
    for item in gold:
        pred = preds.get(item["id"])
        if pred is None:
            rows.append(_row(item, "missing output", "an output line", "none"))
            continue
        truth, guess = item["gold"]["is_trafficking"], bool(pred.get("is_trafficking"))
        if truth != guess:
            rows.append(_row(item, "is_trafficking", truth, f"{guess} (score {pred.get('score')})"))
        got = predicted_lists(pred, ignored)
        for field in LIST_FIELDS:
            expected = set(item["gold"][field])
            if expected != got[field]:
                rows.append(_row(item, field, sorted(expected), sorted(got[field])))
    return rows


def _row(item: dict, field: str, expected: object, got: object) -> dict:
    return {
        "id": item["id"],
        "field": field,
        "expected": json.dumps(expected, ensure_ascii=False),
        "got": json.dumps(got, ensure_ascii=False),
        "title": item["title"],
    }


def run_cli(items: list[dict], workdir: Path) -> tuple[dict[str, dict], float]:
    """Feed the public fields to ``nanduti monitor extract``; return outputs by id and seconds."""
    src, out = workdir / "in.jsonl", workdir / "out.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps({k: item[k] for k in PUBLIC_FIELDS}, ensure_ascii=False) + "\n")
    env = {**os.environ, "NANDUTI_HOME": str(workdir / "home")}
    env.pop("DATABASE_URL", None)  # extraction needs no database; never touch a shared one
    started = time.perf_counter()
    proc = subprocess.run(
        ["nanduti", "monitor", "extract", str(src), "-o", str(out)],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"nanduti monitor extract failed ({proc.returncode}):\n{proc.stderr}")
    return {row["id"]: row for row in load_jsonl(out)}, elapsed


def noise_lines() -> set[str]:
    """The exact page-noise lines the set's builder inserts (for the --strip-noise diagnostic)."""
    path = ROOT / "tests" / "monitoring" / "eval" / "build_heldout.py"
    spec = importlib.util.spec_from_file_location("build_heldout", path)
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return {*builder.MENUS, *builder.TEASERS, *builder.FOLLOWS, "Publicidad"}


def strip_noise(items: list[dict]) -> list[dict]:
    noise = noise_lines()
    out = []
    for item in items:
        paragraphs = item["text"].split("\n\n")
        kept = [p for p in paragraphs if p not in noise and not p.startswith("Por ")]
        out.append({**item, "text": "\n\n".join(kept)})
    return out


def in_half(item_id: str, half: str) -> bool:
    """Development half = even numeric ids, test half = odd ones (tuning never reads the odd)."""
    if half == "all":
        return True
    digits = re.findall(r"\d+", item_id)
    number = int(digits[-1]) if digits else 0
    return (number % 2 == 0) == (half == "even")


def evaluate(
    data: Path = DEFAULT_DATA, n: int | None = None, clean: bool = False, half: str = "all"
) -> dict:
    """Run the CLI over the set and score it (used by the benchmark and by the floor test)."""
    gold = [item for item in load_jsonl(data) if in_half(item["id"], half)]
    gold = gold[:n] if n else gold
    if clean:
        gold = strip_noise(gold)
    ignored = generic_platform_labels()
    with tempfile.TemporaryDirectory(prefix="nanduti-quality-") as tmp:
        preds, seconds = run_cli(gold, Path(tmp))
    return {
        "gold": gold,
        "preds": preds,
        "seconds": seconds,
        "scores": score_all(gold, preds, ignored),
        "errors": errors(gold, preds, ignored),
    }


def table(scores: dict[str, Score]) -> str:
    lines = [
        "| measure | precision | recall | F1 | TP | FP | FN |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in scores.items():
        figures = f"{s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f}"
        lines.append(f"| {name} | {figures} | {s.tp} | {s.fp} | {s.fn} |")
    return "\n".join(lines)


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "src/nanduti/monitoring", "src/nanduti/taxonomy")
    return f"{head}{' + uncommitted changes in monitoring/taxonomy' if dirty else ''}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_errors(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "field", "expected", "got", "title"], delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)


def write_doc(result: dict, path: Path, command: str) -> None:
    gold = result["gold"]
    relevant = sum(i["gold"]["is_trafficking"] for i in gold)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"""# Monitoring: extraction quality on the held-out set

Script: `benchmarks/monitor_quality.py`.

Data: `tests/monitoring/eval/heldout.jsonl` — {len(gold)} Spanish news items ({relevant} about
trafficking / sexual exploitation, {len(gold) - relevant} near misses and unrelated), **written
by the Ñandutí project for evaluation** by an engineer who did not read the extractor's code,
lexicon or training data; labelled by hand with a second pass (rules in
`tests/monitoring/eval/README.md`). They imitate Paraguayan press reports with page noise
(menus, "Lea también" teasers, follow-us lines). They are not real articles: the issue's real
held-out check remains to be done, and these figures estimate it only as far as the set
resembles real news.

- Run: {now}
- Commit: `{commit()}`
- Machine: {os.cpu_count()} cores, `{cpu_model()}`, Python {platform.python_version()}
- Command: `{command}`
  (calls `nanduti monitor extract` on the public fields only; the {len(gold)} items took
  {result["seconds"]:.1f} s including CLI start-up)

{table(result["scores"])}

Relevance is binary (positive = about trafficking / sexual exploitation). The list fields are
micro-averaged over items (each item-value pair counts once); "(relevant items)" scores only items
whose gold `is_trafficking` is true, "(all items)" scores every item. Target in issue 3: F1 ≥ 0.90
on relevance, platforms, departments and destination countries.

Errors: {len(result["errors"])} item-field disagreements, listed by the script in
`benchmarks/out/monitor_quality_errors.tsv` (git-ignored).
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", type=Path, default=DEFAULT_ERRORS)
    parser.add_argument("--doc", type=Path, help="write the figures to this Markdown file")
    parser.add_argument("--n", type=int, help="score only the first N items")
    parser.add_argument("--strip-noise", action="store_true", help="diagnostic, see above")
    parser.add_argument(
        "--half",
        choices=("even", "odd", "all"),
        default="all",
        help="even ids = development half, odd ids = test half (default: all)",
    )
    args = parser.parse_args(argv)
    result = evaluate(args.data, args.n, clean=args.strip_noise, half=args.half)
    print(f"{len(result['gold'])} items ({args.half}), extraction {result['seconds']:.1f} s (CLI)")
    print(table(result["scores"]))
    write_errors(result["errors"], args.errors)
    print(f"{len(result['errors'])} errors -> {args.errors}")
    if args.doc:
        command = "python benchmarks/monitor_quality.py" + (" ".join([""] + sys.argv[1:]))
        write_doc(result, args.doc, command)
        print(f"figures -> {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
