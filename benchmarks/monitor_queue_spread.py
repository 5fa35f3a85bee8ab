"""Spread of the review queue's scores on the demo's sample articles.

The demo (``nanduti demo``) stores ``monitoring/fixtures/sample_articles.jsonl`` and runs the
pipeline; the queue shows one card per story, led by its highest-scoring article. This script
does the same without a database (pipeline, then the store's grouping: MinHash near-duplicates
joined by shared facts) and prints each card's calibrated probability and tie-breakers, how
many cards share a displayed value, and the spread.

Usage: python benchmarks/monitor_queue_spread.py
"""

from __future__ import annotations

import json
import os
import statistics
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanduti.settings")


def main() -> None:
    import django

    django.setup()
    from nanduti.monitoring.extract import dedup
    from nanduti.monitoring.extract.pipeline import extract_items
    from nanduti.monitoring.store import SAMPLE_ARTICLES

    with open(SAMPLE_ARTICLES, encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    outputs = extract_items(items)
    relevant = [(i, o) for i, o in zip(items, outputs, strict=True) if o["is_trafficking"]]
    ids = [o["id"] for _, o in relevant]
    near = dedup.group_stories([(o["id"], f"{i['title']}\n{i['text']}") for i, o in relevant])
    facts = [
        (o["id"], dedup.story_facts(o, i["title"], i["text"], i.get("date"))) for i, o in relevant
    ]
    groups = dedup.group_by_facts(facts, near)
    cards: dict[str, list[tuple[dict, dict]]] = {}
    for item, out in relevant:
        cards.setdefault(groups[out["id"]], []).append((item, out))
    rows = []
    for members in cards.values():
        item, out = max(members, key=lambda m: m[1]["score"])
        found = sum(
            bool(x)
            for x in (
                out["platforms"],
                out["departments"] or out["cities"],
                out["destination_countries"],
                out["victim_minor"] is not None,
                out["victim_gender"],
                out["exploitation"],
                out["date"],
            )
        )
        outlets = len({m[0].get("outlet") for m in members if m[0].get("outlet")})
        rows.append((round(out["score"], 2), found, outlets, out["score"], item["title"][:60]))
    rows.sort(key=lambda r: (-r[0], -r[1], -r[2]))
    print(f"{len(items)} sample articles, {len(ids)} relevant, {len(rows)} cards")
    print("shown  facts outlets  probability  title")
    for shown, found, outlets, score, title in rows:
        print(f"{shown:5.2f}  {found:5d} {outlets:7d}  {score:.4f}       {title}")
    scores = [r[3] for r in rows]
    shown = Counter(r[0] for r in rows)
    print(
        f"spread: min {min(scores):.4f}, median {statistics.median(scores):.4f}, "
        f"max {max(scores):.4f}; {len(shown)} distinct values shown to two decimals; "
        f"largest tie {max(shown.values())} cards at {shown.most_common(1)[0][0]:.2f}; "
        f"distinct (shown, facts, outlets) keys: {len({r[:3] for r in rows})} of {len(rows)}"
    )


if __name__ == "__main__":
    main()
