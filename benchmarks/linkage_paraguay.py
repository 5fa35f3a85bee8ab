"""Linkage quality and speed on synthetic Paraguayan-style records with known truth.

    python benchmarks/linkage_paraguay.py [--n 10000] [--modes clear,encoded] [--seed 1]
        [--encode-only]

Generates ``--n`` records over four institutions (``linkage_records.py``), then for each
mode times normalise + encode + link + cluster (``nanduti.linkage.pipeline``) and prints
pairwise and B-cubed precision / recall / F1, the unique-person count against the truth,
CPU seconds per stage and peak memory (ru_maxrss of this process; the records are
generated as they are encoded, so the generator never holds them all).
Bars (issue 9, at 1M records): encoded ≤ 120 s and < 4 GiB; encoded pairwise F1 within
0.02 of clear; person count within 3 % of the truth.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

from linkage_metrics import bcubed, pairwise  # noqa: E402
from linkage_records import stream  # noqa: E402

from nanduti.linkage import cluster, pipeline  # noqa: E402
from nanduti.linkage.encoding import Encoder  # noqa: E402
from nanduti.linkage.normalise import Identity, identity  # noqa: E402

KEY = b"benchmark key, not a secret"


class Stopwatch:
    """Wall and CPU seconds (every thread of the process) spent inside ``with`` blocks or
    inside an iterator's ``next``."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *_) -> None:
        self.wall += time.perf_counter() - self._start[0]
        self.cpu += time.process_time() - self._start[1]

    def timed(self, items: Iterable) -> Iterator:
        source = iter(items)
        while True:
            with self:
                item = next(source, None)
            if item is None:
                return
            yield item


def peak_mib() -> float:
    """Peak resident memory of this process (Python, Arrow and DuckDB alike)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def identities(n: int, seed: int, truth: list[int], generating: Stopwatch) -> Iterator[Identity]:
    """The generator's records normalised one by one; each record's true person is appended
    to ``truth`` as it passes, and the generator's time is counted in ``generating``."""
    for r in generating.timed(stream(n, seed)):
        truth.append(r.person)
        yield identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default="clear,encoded")
    parser.add_argument("--threshold", type=float, default=pipeline.DEFAULT_THRESHOLD)
    parser.add_argument(
        "--sweep",
        default="",
        help="more match probabilities (≥ 0.2, comma-separated) to cluster the same scored "
        "pairs at, e.g. 0.2,0.3,0.4,0.6,0.7,0.8 — for choosing the threshold on a tuning seed",
    )
    parser.add_argument(
        "--encode-only",
        action="store_true",
        help="stop after normalise + encode (the stage's CPU and wall, without linking)",
    )
    args = parser.parse_args()

    print(f"cpus {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    for mode in args.modes.split(","):
        # Records are generated, normalised and encoded as the pipeline reads them (a
        # million never sit in memory at once); the generator's own time is left out.
        truth_list: list[int] = []
        generating = Stopwatch()

        encoding = Stopwatch()
        with encoding:
            features = pipeline.features_table(
                identities(args.n, args.seed, truth_list, generating), mode, Encoder(KEY)
            )
        n, table_mib = features.records, features.table.nbytes / 2**20
        print(
            f"{mode:8s} records {n:,}: normalise + encode "
            f"{encoding.wall - generating.wall:.1f} s wall, "
            f"{encoding.cpu - generating.cpu:.1f} s CPU (generator left out: "
            f"{generating.cpu:.1f} s CPU); Arrow table {table_mib:,.0f} MiB; "
            f"peak so far {peak_mib():,.0f} MiB",
            flush=True,
        )
        if args.encode_only:
            continue
        linking = Stopwatch()
        with linking:
            outcome = pipeline.link_table(features, mode, args.threshold)
        truth = np.array(truth_list)
        true_persons = len(set(truth_list))
        wall = encoding.wall - generating.wall + linking.wall
        cpu = encoding.cpu - generating.cpu + linking.cpu
        print(
            f"{mode:8s} link + cluster {linking.wall:.1f} s wall, {linking.cpu:.1f} s CPU; "
            f"true persons {true_persons:,}"
        )
        pw, b3 = pairwise(outcome.person, truth), bcubed(outcome.person, truth)
        error = (outcome.persons - true_persons) / true_persons
        peak = peak_mib()
        print(
            f"{mode:8s} pairwise P {pw['precision']:.4f} R {pw['recall']:.4f} "
            f"F1 {pw['f1']:.4f} | B3 P {b3['precision']:.4f} R {b3['recall']:.4f} "
            f"F1 {b3['f1']:.4f} | persons {outcome.persons:,} ({error:+.2%}) | "
            f"split {outcome.split} | pairs scored {outcome.pairs.table.num_rows:,} | "
            f"{wall:.1f} s wall, {cpu:.1f} s CPU, "
            f"peak {peak:,.0f} MiB"
        )
        for stage, (stage_wall, stage_cpu) in outcome.stages.items():
            print(f"{mode:8s}   stage {stage:32s} {stage_wall:8.1f} s wall {stage_cpu:8.1f} s CPU")
        for probability in (float(t) for t in args.sweep.split(",") if t):
            s = outcome.pairs
            assert s is not None
            labels, split = cluster.clusters(
                len(truth),
                s.left.to_numpy(),
                s.right.to_numpy(),
                s.weight.to_numpy(),
                pipeline.weight_of(probability),
                max_size=pipeline.MAX_CLUSTER,
            )
            pw, b3 = pairwise(labels, truth), bcubed(labels, truth)
            persons = int(labels.max()) + 1
            print(
                f"{mode:8s} at {probability:.2f}: pairwise P {pw['precision']:.4f} "
                f"R {pw['recall']:.4f} F1 {pw['f1']:.4f} | B3 F1 {b3['f1']:.4f} | "
                f"persons {persons:,} ({(persons - true_persons) / true_persons:+.2%})"
            )


if __name__ == "__main__":
    main()
