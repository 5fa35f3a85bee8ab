"""Linkage quality and speed on synthetic Paraguayan-style records with known truth.

    python benchmarks/linkage_paraguay.py [--n 10000] [--modes clear,encoded] [--seed 1]

Generates ``--n`` records over four institutions (``linkage_records.py``), then for each
mode times normalise + encode + link + cluster (``nanduti.linkage.pipeline``) and prints
pairwise and B-cubed precision / recall / F1, the unique-person count against the truth,
seconds and peak memory (ru_maxrss of this process, generator included).
Bars (issue 9, at 1M records): encoded ≤ 120 s and < 4 GiB; encoded pairwise F1 within
0.02 of clear; person count within 3 % of the truth.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

from linkage_metrics import bcubed, pairwise  # noqa: E402
from linkage_records import generate  # noqa: E402

from nanduti.linkage import cluster, pipeline  # noqa: E402
from nanduti.linkage.encoding import Encoder  # noqa: E402
from nanduti.linkage.normalise import identity  # noqa: E402

KEY = b"benchmark key, not a secret"


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
    args = parser.parse_args()

    started = time.perf_counter()
    records = generate(args.n, args.seed)
    truth = np.array([r.person for r in records])
    true_persons = len(set(truth.tolist()))
    print(
        f"records {len(records):,}; true persons {true_persons:,}; "
        f"generated in {time.perf_counter() - started:.1f} s; cpus {os.cpu_count()}"
    )
    for mode in args.modes.split(","):
        wall, cpu = time.perf_counter(), time.process_time()
        identities = [
            identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
            for r in records
        ]
        normalised = time.perf_counter() - wall
        outcome = pipeline.link_identities(identities, mode, Encoder(KEY), threshold=args.threshold)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        pw, b3 = pairwise(outcome.person, truth), bcubed(outcome.person, truth)
        error = (outcome.persons - true_persons) / true_persons
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{mode:8s} pairwise P {pw['precision']:.4f} R {pw['recall']:.4f} "
            f"F1 {pw['f1']:.4f} | B3 P {b3['precision']:.4f} R {b3['recall']:.4f} "
            f"F1 {b3['f1']:.4f} | persons {outcome.persons:,} ({error:+.2%}) | "
            f"split {outcome.split} | pairs scored {outcome.pairs.table.num_rows:,} | "
            f"{wall:.1f} s wall ({normalised:.1f} s normalise+encode-prep), {cpu:.1f} s CPU, "
            f"peak {peak:,.0f} MiB"
        )
        for probability in (float(t) for t in args.sweep.split(",") if t):
            s = outcome.pairs
            assert s is not None
            labels, split = cluster.clusters(
                len(records),
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
