"""Relevance on real news by outlet-grouped cross-validation over the dev set's tuning splits.

    python benchmarks/monitor_relevance_cv.py [--splits tune,test,test2,test3,test4] [--folds 5]
                                              [--seed 0] [--errors FILE]

Each fold holds out whole outlets of the chosen splits; the relevance model is retrained
(``training.train``, the procedure ``nanduti monitor train`` runs: written examples + the
other folds' real rows, calibration on half of those rows' outlets) and the held-out items
are scored as the pipeline scores them (lexicon + text model + stacker + calibration). The
figures are for the whole procedure, so a change of lexicon, features or training can be
compared on news none of its fitting saw.

Only the tuning splits (``tune``, ``test``, ``test2``…``test4``, those the training loader
reads) may be named: the later splits are kept as held-out checks.
How it can flatter: the lexicon and any rule were written by people who had read these
splits, so only the fitted parts are honestly held out; outlets are held out but stories,
years and the labeller are shared across folds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "monitoring_devset" / "devset.jsonl"
ALLOWED = {"tune", "test", "test2", "test3", "test4"}  # training.TRAINABLE_SPLITS


def real_rows(splits: set[str]) -> list[dict]:
    from nanduti.monitoring import training

    rows = []
    with open(DATA, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["split"] in splits:
                row = dict(row, label=bool(row["gold"]["is_trafficking"]))
                row["group"] = f"outlet:{row['outlet']}"
                row["origin"] = training.REAL_ORIGIN
                rows.append(row)
    return rows


def oof_scores(rows: list[dict], folds: int, seed: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedGroupKFold

    from nanduti.monitoring import training
    from nanduti.monitoring.extract.relevance import RelevanceModel, score_many

    written = training.compose_written()
    labels = np.array([r["label"] for r in rows])
    groups = [r["group"] for r in rows]
    scores = np.zeros(len(rows))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(rows)), labels, groups):
        fitted = training.train(
            written + [rows[i] for i in train_idx], seed=seed, evaluate=False
        ).model
        held = [(rows[i]["title"], rows[i]["text"]) for i in test_idx]
        results = score_many(held, RelevanceModel(fitted))
        scores[test_idx] = [r.score for r in results]
    return scores


def report(rows: list[dict], scores: np.ndarray, threshold: float = 0.5) -> str:
    lines = []
    for name, keep in (
        ("all", lambda r: True),
        ("es", lambda r: r["language"] == "es"),
        ("pt", lambda r: r["language"] == "pt"),
    ):
        idx = [i for i, r in enumerate(rows) if keep(r)]
        truth = np.array([rows[i]["label"] for i in idx])
        guess = scores[idx] >= threshold
        tp = int((truth & guess).sum())
        fp = int((~truth & guess).sum())
        fn = int((truth & ~guess).sum())
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        brier = float(np.mean((scores[idx] - truth) ** 2))
        lines.append(
            f"{name}: n={len(idx)} P {p:.3f} R {r:.3f} F1 {f1:.3f} "
            f"(tp {tp} fp {fp} fn {fn}) Brier {brier:.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default="tune,test,test2,test3,test4")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--C", type=float, help="the text model's C (default: training.C)")
    parser.add_argument("--errors", type=Path, help="TSV of the wrong items (id, gold, score)")
    args = parser.parse_args(argv)
    splits = set(args.splits.split(","))
    if not splits <= ALLOWED:
        parser.error(f"only {sorted(ALLOWED)} may be cross-validated; held-out splits are not")
    rows = real_rows(splits)
    if args.C:
        from nanduti.monitoring import training

        training.C = args.C
    started = time.process_time()
    scores = oof_scores(rows, args.folds, args.seed)
    print(report(rows, scores))
    print(f"CPU {time.process_time() - started:.1f} s")
    if args.errors:
        args.errors.parent.mkdir(parents=True, exist_ok=True)
        with open(args.errors, "w", encoding="utf-8") as fh:
            for row, score in zip(rows, scores, strict=True):
                if (score >= 0.5) != row["label"]:
                    fh.write(f"{row['id']}\t{row['label']}\t{score:.3f}\t{row['title'][:90]}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
