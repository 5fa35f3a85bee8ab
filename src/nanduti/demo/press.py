"""Press monitoring in the demo: the shipped sample articles through the pipeline."""

from __future__ import annotations


def run_sample_monitoring() -> str:
    """Loads the shipped sample articles and runs the monitoring pipeline on them; a
    one-line summary."""
    from nanduti.monitoring import store

    stored = store.load_jsonl_articles(store.SAMPLE_ARTICLES)
    report = store.run_on_stored_articles()
    return f"artículos nuevos / new articles: {stored}; {report.summary()}"
