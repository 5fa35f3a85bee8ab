"""Information lost by protecting publications: the cell-key publication (perturbed, audited
together, what the attack pins down hidden) against the hypercube method, on the registry in
``NANDUTI_HOME``.

    NANDUTI_HOME=… python benchmarks/stats_publication_loss.py

Two sets of tables: the study's Tables 4–8 written as cross-tabs of their institutions'
records, and the public page's panels plus department × platform and year × department.
For each: the share of the total count hidden (inner cells, ``—``), the share in cells shown
as ``<5`` (a range instead of a count), the mean absolute error of the shown figures, the
margins of 50 or more hidden, and what the attack recovers. Secondary cells (hidden
because the attack pins a hidden figure through them) are chosen by an integer program
(``secondary="milp"``, the default); ``rule_*`` figures are the same set protected with the
smallest-neighbour rule used before, for comparison.
"""

from __future__ import annotations

import json
import os
import time
from itertools import product

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
        keyed = [crosstab.run(by, unit, f, keyed=True) for by, unit, f in specs]
        tables = [t for t, _, _ in keyed]
        hyper = [disclosure.suppress(t, 5).suppressed for t in tables]
        wall, cpu = time.perf_counter(), time.process_time()
        done = publication.protect(keyed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        by_rule = publication.protect(keyed, secondary="rule")
        attack_on_hyper = audit.audit(_suppressed(tables, hyper))

        def big(hidden, tables=tables):
            return sum(
                1
                for t, h in zip(tables, hidden, strict=True)
                for k in h
                if crosstab.TOTAL in k and t.value(k) >= 50
            )

        errors = [
            abs(p.value(k) - t.value(k))
            for i, (t, p) in enumerate(zip(tables, done.tables, strict=True))
            for k in product(*disclosure.extended_axes(t.categories))
            if k not in done.hidden[i] and t.value(k) >= 5
        ]
        hyper_share = publication.hidden_share(tables, hyper)
        print(
            json.dumps(
                {
                    "set": name,
                    "hypercube_hidden_share": round(hyper_share, 4),
                    "cellkey_hidden_share": round(done.hidden_share(), 4),
                    "cellkey_small_share": round(done.small_share(), 4),
                    "cellkey_hidden_plus_small_over_hypercube": round(
                        (done.hidden_share() + done.small_share()) / hyper_share, 3
                    )
                    if hyper_share
                    else None,
                    "hypercube_hidden_cells": sum(len(h) for h in hyper),
                    "cellkey_hidden_cells": sum(len(h) for h in done.hidden),
                    "hypercube_big_margins_hidden": big(hyper),
                    "cellkey_big_margins_hidden": big(done.hidden),
                    "cellkey_mean_abs_error_of_figures_5_plus": round(sum(errors) / len(errors), 3),
                    "attack_on_hypercube_exact": len(attack_on_hyper.exact),
                    "attack_on_cellkey_protected": done.audit.protected,
                    "attack_on_cellkey_exact": len(done.audit.exact),
                    "rounds": done.rounds,
                    "secondary_milp_rounds": done.milp_rounds,
                    "secondary_rule_rounds": done.rule_rounds,
                    "rule_hidden_share": round(by_rule.hidden_share(), 4),
                    "rule_hidden_cells": sum(len(h) for h in by_rule.hidden),
                    "rule_attack_exact": len(by_rule.audit.exact),
                    "seconds": round(wall, 1),
                    "cpu_seconds": round(cpu, 1),
                }
            ),
            flush=True,
        )


def _suppressed(tables, hidden) -> list:
    """What an intruder holds of tables suppressed by the hypercube method."""
    from nanduti.stats import audit, disclosure

    out = []
    for i, (t, h) in enumerate(zip(tables, hidden, strict=True)):
        axes = disclosure.extended_axes(t.categories)
        shown = {k: disclosure.MARK if k in h else t.value(k) for k in product(*axes)}
        out.append(audit.Obtained(t.fields, t.unit, list(t.filters), "suppress", shown, f"T{i}"))
    return out


if __name__ == "__main__":
    main()
