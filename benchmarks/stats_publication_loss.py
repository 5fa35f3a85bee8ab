"""Information lost by protecting publications: optimal joint suppression against the
hypercube method, table by table, on the registry in ``NANDUTI_HOME``.

    NANDUTI_HOME=… python benchmarks/stats_publication_loss.py

Two sets of tables: the study's Tables 4–8 written as cross-tabs of their institutions'
records, and the public page's panels plus department × platform and year × department.
For each: the share of the total count hidden (inner cells), the margins of 50 or more
hidden, rounds of the suppress → attack loop, and what the attack recovers.
"""

from __future__ import annotations

import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")

SETS = {
    "study_tables_4_8": [
        ("sex,year", "victims", ["institution=mp_ufetesi"]),
        ("department,year", "cases", ["institution=mp_ufetesi"]),
        ("year", "cases", ["institution=police_antitrata"]),
        ("sex,year", "victims", ["institution=minna"]),
        ("exploitation,sex,year", "cases", ["institution=minna"]),
    ],
    "public_page": [
        ("year", "cases", []),
        ("department", "cases", []),
        ("sex,age_band", "victims", []),
        ("technology", "cases", []),
        ("platform", "cases", []),
        ("exploitation", "cases", []),
        ("department,platform", "cases", []),
        ("year,department", "cases", []),
    ],
}


def main() -> None:
    import django

    django.setup()
    from nanduti.stats import audit, crosstab, disclosure, publication

    for name, specs in SETS.items():
        tables = [crosstab.run(by, unit, f) for by, unit, f in specs]
        hyper = [disclosure.suppress(t, 5).suppressed for t in tables]
        started = time.perf_counter()
        joint = publication.protect(tables)
        seconds = time.perf_counter() - started
        hyper_pub = publication.Protected(tables, hyper)
        attack_on_hyper = audit.audit(hyper_pub.obtained())

        def big(hidden, tables=tables):
            return sum(
                1
                for t, h in zip(tables, hidden, strict=True)
                for k in h
                if crosstab.TOTAL in k and t.value(k) >= 50
            )

        print(
            json.dumps(
                {
                    "set": name,
                    "hypercube_hidden_share": round(publication.hidden_share(tables, hyper), 4),
                    "joint_hidden_share": round(joint.hidden_share(), 4),
                    "hypercube_hidden_cells": sum(len(h) for h in hyper),
                    "joint_hidden_cells": sum(len(h) for h in joint.hidden),
                    "hypercube_big_margins_hidden": big(hyper),
                    "joint_big_margins_hidden": big(joint.hidden),
                    "attack_on_hypercube_exact": len(attack_on_hyper.exact),
                    "attack_on_joint_exact": len(joint.audit.exact),
                    "rounds": joint.rounds,
                    "seconds": round(seconds, 1),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
