"""Stored articles: raw bodies, de-duplication, the demo samples, extraction runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanduti.monitoring import store
from nanduti.monitoring.models import Article, Extraction

SAMPLES = (
    Path(__file__).resolve().parents[2] / "src/nanduti/monitoring/fixtures/sample_articles.jsonl"
)


@pytest.fixture(autouse=True)
def raw_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_raw_bodies_are_content_addressed(tmp_path):
    sha = store.keep_raw(b"<html>uno</html>")
    assert store.raw_path(sha) == tmp_path / "var/monitoring/raw" / sha[:2] / sha
    assert store.keep_raw(b"<html>uno</html>") == sha  # written once
    assert store.read_raw(sha) == b"<html>uno</html>"


def test_canonical_url_drops_tracking_and_fragment():
    assert (
        store.canonical_url("HTTPS://Diario.Example/nota/1?utm_source=fb&id=3#comentarios")
        == "https://diario.example/nota/1?id=3"
    )


@pytest.mark.django_db
def test_save_article_deduplicates_by_url_and_by_content():
    item = {"title": "Uno", "text": "Texto  de la noticia.", "url": "https://d.example/a"}
    assert store.save_article(item).status == "new"
    assert store.save_article({**item, "title": "Otro"}).status == "duplicate_url"
    # Same words with other spacing and case at another URL: the same content.
    copy = {**item, "url": "https://e.example/b", "text": "texto de la NOTICIA"}
    assert store.save_article(copy).status == "duplicate_content"
    assert store.save_article({"title": "", "text": "  "}).status == "empty"
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_demo_samples_load_once_and_are_marked_as_written_by_the_project():
    lines = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 25
    assert all("escrito por el proyecto" in item["origin"] for item in lines)
    assert store.load_jsonl_articles(SAMPLES) == len(lines)
    assert store.load_jsonl_articles(SAMPLES) == 0
    article = Article.objects.get(external_id="muestra-01")
    assert article.origin.startswith("escrito por el proyecto")
    assert article.published.isoformat() == "2026-03-14"
    assert article.language == "es"


@pytest.mark.django_db
def test_load_jsonl_overrides_outlet_and_skips_bad_lines(tmp_path, caplog):
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "1", "title": "T", "text": "Hola mundo"}\nnot json\n')
    assert store.load_jsonl_articles(path, outlet="Mi Diario") == 1
    assert Article.objects.get().outlet == "Mi Diario"
    assert "line 2" in caplog.text


def fake_extract(item: dict) -> dict:
    """A stand-in for the pipeline (DESIGN.md §5 shape): relevant when 'trata' is named."""
    relevant = "trata" in item["text"].lower()
    return {
        "id": item["id"],
        "is_trafficking": relevant,
        "score": 0.9 if relevant else 0.1,
        "platforms": [],
        "departments": [],
        "cities": [],
        "destination_countries": [],
        "victim_minor": None,
        "victim_gender": None,
        "exploitation": [],
        "date": None,
        "evidence": {},
    }


def fake_groups(items):
    """Stand-in grouping: same title = same story."""
    first: dict[str, int] = {}
    out = {}
    for i, text in items:
        title = text.split("\n", 1)[0]
        out[i] = first.setdefault(title, i)
    return out


@pytest.fixture
def stand_in(monkeypatch):
    monkeypatch.setattr(store, "_pipeline", lambda: (fake_extract, "stand-in-1"))
    monkeypatch.setattr(store, "group_near_duplicates", fake_groups)


@pytest.mark.django_db
def test_run_extracts_new_articles_and_groups_stories(stand_in):
    for n, (title, text) in enumerate(
        [
            ("Red de trata", "Caso de trata en Luque."),
            ("Red de trata", "Otro medio: trata."),
            ("Fútbol", "Ganó Olimpia."),
        ]
    ):
        store.save_article({"title": title, "text": text, "url": f"https://x.example/{n}"})
    report = store.run_on_stored_articles()
    assert (report.processed, report.relevant, report.groups) == (3, 2, 1)
    groups = set(
        Extraction.objects.filter(is_trafficking=True).values_list("story_group", flat=True)
    )
    assert len(groups) == 1 and groups != {""}
    assert Extraction.objects.first().pipeline_version == "stand-in-1"
    # A second run has nothing new to do; a re-run replaces the extractions.
    assert store.run_on_stored_articles().processed == 0
    assert store.run_on_stored_articles(rerun=True).processed == 3
    assert Extraction.objects.count() == 3


@pytest.mark.django_db
def test_run_reports_a_failing_article_and_goes_on(stand_in, monkeypatch):
    def flaky(item):
        if "rompe" in item["text"]:
            raise ValueError("texto imposible")
        return fake_extract(item)

    monkeypatch.setattr(store, "_pipeline", lambda: (flaky, "x"))
    store.save_article({"title": "a", "text": "esto rompe", "url": "https://x.example/1"})
    store.save_article({"title": "b", "text": "trata", "url": "https://x.example/2"})
    report = store.run_on_stored_articles()
    assert report.processed == 1
    assert "texto imposible" in report.errors[0]


@pytest.mark.django_db
def test_sample_stories_told_by_several_outlets_are_grouped():
    store.load_jsonl_articles(SAMPLES)
    by_external = {a.external_id: a.pk for a in Article.objects.all()}
    texts = [(a.pk, f"{a.title}\n{a.text}") for a in Article.objects.all()]
    groups = store.group_near_duplicates(texts)
    cde = {groups[by_external[f"muestra-0{n}"]] for n in (1, 2, 3)}
    assert cde == {by_external["muestra-01"]}  # three outlets, one story
    assert groups[by_external["muestra-04"]] == groups[by_external["muestra-05"]]
    assert groups[by_external["muestra-04"]] != groups[by_external["muestra-01"]]
    assert len(set(groups.values())) < len(texts) - 3


@pytest.mark.django_db
def test_run_with_the_real_pipeline_queues_one_candidate_per_story():
    from nanduti.monitoring import review

    store.load_jsonl_articles(SAMPLES)
    report = store.run_on_stored_articles()
    assert report.processed == Article.objects.count() and not report.errors
    queue = review.candidates()
    assert len(queue) == report.groups < report.relevant
    by_title = {c.article.title: c for c in queue}
    cde = next(c for t, c in by_title.items() if "captada por Facebook" in t)
    assert len(cde.members) == 3 and len(cde.outlets) == 3
    assert cde.facts["platforms"] == ["Facebook", "WhatsApp"]
    # Near misses (drug "tráfico", migrant smuggling, "trata de explicar") are not queued.
    titles = " ".join(by_title)
    for near_miss in ("cocaína", "migrantes", "trata de explicar"):
        assert near_miss not in titles


@pytest.mark.django_db
def test_an_analysts_merge_survives_a_rerun(analyst):
    from nanduti.monitoring import review

    store.load_jsonl_articles(SAMPLES)
    store.run_on_stored_articles()
    # The English report of the Madrid rescue joins the Spanish ones by its facts.
    english = Article.objects.get(external_id="muestra-09")
    spanish = Article.objects.get(external_id="muestra-07")
    assert review.story_of(english).story_group == review.story_of(spanish).story_group
    # Two stories the grouping keeps apart, which an analyst judges to be one.
    sextortion = Article.objects.get(external_id="muestra-06")
    luque = Article.objects.get(external_id="muestra-10")
    assert review.story_of(sextortion).story_group != review.story_of(luque).story_group
    before = len(review.candidates())
    review.merge(sextortion, luque, analyst)
    assert len(review.candidates()) == before - 1
    store.run_on_stored_articles(rerun=True)
    assert review.story_of(sextortion).story_group == review.story_of(luque).story_group
    assert len(review.candidates()) == before - 1
