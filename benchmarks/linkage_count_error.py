"""Where the unique-person count's error comes from, on generated records with known truth.

    python benchmarks/linkage_count_error.py [--n 10000] [--seed 1] [--mode encoded]
        [--threshold 0.5] [--ceiling]

The count's error is exactly *splits − merges*: a true person whose records end in k
persons adds k − 1 (a split), a person that holds records of j true persons removes
j − 1 (a merge). The splits are charged to the first stage that loses them, by asking how
many splits would remain if every true pair that passed a stage were linked:

* **never compared** — no blocking rule put the records of the person together;
* **scored below the review floor** (0.2) and **below the threshold** — compared, but the
  model's match probability was too low;
* **chaining guard** — linked, then split again by ``cluster.clusters``' size guard.

The never-compared splits are then sorted by what differs between the first group of the
person's records and each other group (birth date missing on one side, surnames that
differ or with one left out, given names, department, same institution). ``--ceiling``
also compares every true pair (a blocking rule on the truth, which no real run has) to
show what the model makes of the pairs blocking never offers it: the count it would reach
if blocking were perfect. Pairs are scored with ``model.score`` at a floor of 0, so the
low-scoring ones are seen too. Run it on the tuning seed (1), not the evaluation seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

from linkage_records import Record, generate  # noqa: E402

from nanduti.linkage import cluster, model, pipeline  # noqa: E402
from nanduti.linkage.encoding import Encoder  # noqa: E402
from nanduti.linkage.normalise import Identity, identity  # noqa: E402

KEY = b"benchmark key, not a secret"


def groups(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of ``n`` records joined by the pairs (left, right)."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def splits_and_merges(truth: np.ndarray, labels: np.ndarray) -> tuple[int, int]:
    """(splits, merges) of a labelling against the truth; their difference is the count's
    error (each distinct (true person, label) cell beyond one per person is a split,
    beyond one per label a merge)."""
    cells = len(set(zip(truth.tolist(), labels.tolist(), strict=True)))
    return cells - len(np.unique(truth)), cells - len(np.unique(labels))


def difference(a: Identity, b: Identity, same_institution: bool) -> str:
    """What differs between two records of one person, as a short label."""
    kinds = []
    if (a.birth is None) != (b.birth is None):
        kinds.append("birth date missing on one side")
    elif a.birth is None:
        kinds.append("no birth date on either")
    elif a.birth != b.birth:
        kinds.append("birth dates differ")
    left, right = set(a.surnames), set(b.surnames)
    if left != right:
        kinds.append("a surname left out" if left < right or right < left else "surnames differ")
    if a.given != b.given:
        kinds.append("given names differ")
    if a.department != b.department:
        kinds.append("department moved")
    if same_institution:
        kinds.append("same institution")
    return ", ".join(kinds) or "nothing"


def never_compared(
    truth: np.ndarray, blocked: np.ndarray, people: list[Identity], records: list[Record]
) -> Counter:
    """Why each never-compared split happened: the difference between a person's first
    blocked group and each of its other groups (their first records)."""
    reasons: Counter = Counter()
    order = np.lexsort((np.arange(len(truth)), truth))
    starts = np.flatnonzero(np.r_[True, truth[order][1:] != truth[order][:-1]])
    for members in np.split(order, starts[1:]):
        first: dict[int, int] = {}
        for i in members:
            first.setdefault(int(blocked[i]), int(i))
        heads = list(first.values())
        for other in heads[1:]:
            same = records[heads[0]].institution == records[other].institution
            reasons[difference(people[heads[0]], people[other], same)] += 1
    return reasons


def score(people: list[Identity], truth: np.ndarray, mode: str, ceiling: bool) -> model.Scored:
    """Every blocked pair scored (floor 0); with ``ceiling`` every true pair as well."""
    features = pipeline.features_table(people, mode, Encoder(KEY))
    table = features.take_table()
    assert table is not None and len(features.known) == len(people)
    if not ceiling:
        return model.score(table, mode, floor=0.0)
    from splink.blocking_rule_library import CustomRule

    shipped = model._blocking_rules
    model._blocking_rules = lambda m: [*shipped(m), CustomRule("l.truth = r.truth")]
    try:
        return model.score(table.append_column("truth", pa.array(truth)), mode, floor=0.0)
    finally:
        model._blocking_rules = shipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mode", default="encoded", choices=("encoded", "clear"))
    parser.add_argument("--threshold", type=float, default=pipeline.DEFAULT_THRESHOLD)
    parser.add_argument("--ceiling", action="store_true", help="also compare every true pair")
    args = parser.parse_args()

    records = generate(args.n, args.seed)
    people = [
        identity(r.full_name, r.document, r.birth, r.sex, r.nationality, r.department)
        for r in records
    ]
    truth = np.array([r.person for r in records])
    n = len(records)
    started = time.process_time()
    scored = score(people, truth, args.mode, args.ceiling)
    left, right = scored.left.to_numpy(), scored.right.to_numpy()
    probability, weight = scored.probability.to_numpy(), scored.weight.to_numpy()
    labels, guarded = cluster.clusters(
        n, left, right, weight, pipeline.weight_of(args.threshold), max_size=pipeline.MAX_CLUSTER
    )
    true_pair = truth[left] == truth[right]
    persons, true_persons = int(labels.max()) + 1, len(np.unique(truth))
    splits, merges = splits_and_merges(truth, labels)
    print(
        f"{args.mode}, seed {args.seed}, {n:,} records, threshold {args.threshold}"
        f"{', every true pair compared (ceiling)' if args.ceiling else ''}: "
        f"{time.process_time() - started:.1f} s CPU"
    )
    print(
        f"true persons {true_persons:,}, persons {persons:,} "
        f"({(persons - true_persons) / true_persons:+.2%}) = splits {splits:,} − merges {merges:,}"
    )
    sizes = np.bincount(truth)
    true_share = (sizes * (sizes - 1) / 2).sum() / (n * (n - 1) / 2)
    print(
        f"prior (two random records match) {scored.prior:.3e}, true share of matching pairs "
        f"{true_share:.3e} (ratio {scored.prior / true_share:.2f})"
    )
    stages = [
        ("never compared", true_pair),
        ("scored below the review floor", true_pair & (probability >= pipeline.REVIEW_FLOOR)),
        ("scored below the threshold", true_pair & (probability >= args.threshold)),
    ]
    before = 0
    for stage, linked in stages:
        remaining = splits_and_merges(truth, groups(n, left[linked], right[linked]))[0]
        print(f"  splits {stage}: {remaining - before:,}")
        before = remaining
    print(f"  splits by the chaining guard ({guarded} components split): {splits - before:,}")
    false_links = ~true_pair & (probability >= args.threshold)
    print(f"  merges {merges:,} from {int(false_links.sum()):,} false pairs above the threshold")
    blocked = groups(n, left[true_pair], right[true_pair])
    print("never-compared splits by what differs between the groups of one person:")
    for reason, count in never_compared(truth, blocked, people, records).most_common(12):
        print(f"  {count:5,}  {reason}")


if __name__ == "__main__":
    main()
