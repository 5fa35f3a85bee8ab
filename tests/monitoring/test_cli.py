"""``nanduti monitor`` subcommands, as a user runs them."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nanduti.monitoring.extract.relevance import MODEL_PATH

ITEM = {
    "id": "c1",
    "title": "Rescatan a joven captada por Instagram",
    "text": "Una joven de 17 años fue rescatada en Luque; la iban a llevar a España para "
    "explotarla sexualmente. La fiscalía investiga trata de personas.",
    "date": "2024-06-01",
}


def test_extract_writes_one_line_per_item_and_reports(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ITEM, ensure_ascii=False) + "\n{oops\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    call_command("monitor", "extract", str(source), "-o", str(target))
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    assert rows[0]["is_trafficking"] and rows[0]["destination_countries"] == ["Spain"]
    captured = capsys.readouterr()
    assert "1 leídos / read" in captured.out
    assert "línea / line 2" in captured.err


def test_extract_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("monitor", "extract", str(tmp_path / "nope.jsonl"), "-o", "x.jsonl")


def test_extract_fails_when_nothing_could_be_read(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text("nope\nnada\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no line could be read"):
        call_command("monitor", "extract", str(source), "-o", str(tmp_path / "o.jsonl"))


def test_screen_ads(tmp_path, capsys):
    source = tmp_path / "ads.jsonl"
    ad = {
        "id": "ad1",
        "text": "Se buscan chicas de 18 a 22 años para trabajar en España, "
        "pasajes pagados, sin experiencia, solo por WhatsApp. Urgente.",
    }
    source.write_text(json.dumps(ad, ensure_ascii=False) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    call_command("monitor", "screen-ads", str(source), "-o", str(target))
    row = json.loads(target.read_text(encoding="utf-8"))
    assert row["suspicious"] and row["reasons"]


def test_batch_with_processes(tmp_path, capsys):
    folder = tmp_path / "shards"
    folder.mkdir()
    for k in range(2):
        (folder / f"{k}.jsonl").write_text(
            json.dumps(dict(ITEM, id=f"i{k}"), ensure_ascii=False) + "\n", encoding="utf-8"
        )
    target = tmp_path / "out.jsonl"
    call_command("monitor", "batch", str(folder), "-o", str(target), "--workers", "2")
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["i0", "i1"]
    assert rows[1]["group"] == "i0"  # the same text twice is one story


def test_batch_needs_a_folder(tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        call_command("monitor", "batch", str(tmp_path / "x.jsonl"), "-o", "o.jsonl")


@pytest.mark.django_db
def test_run_on_stored_articles_delegates(capsys):
    call_command("monitor", "run")
    assert "processed" in capsys.readouterr().out


@pytest.mark.slow
def test_train_rebuilds_the_shipped_model_and_prints_cv(tmp_path, capsys):
    # The shipped model also learnt from the real dev set's tuning half (model card).
    devset = Path(__file__).parents[2] / "benchmarks/data/monitoring_devset/devset.jsonl"
    target = tmp_path / "model.json"
    call_command(
        "monitor", "train", "--labelled", str(devset), "--no-analysts", "--output", str(target)
    )
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "F1" in out
    rebuilt = json.loads(target.read_text(encoding="utf-8"))
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert rebuilt["coef"] == shipped["coef"]
    assert rebuilt["stacker"] == shipped["stacker"]
    assert rebuilt["vectorizers"][0]["vocabulary"] == shipped["vectorizers"][0]["vocabulary"]


def test_train_rejects_a_file_without_labels(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"title": "x", "text": "y"}) + "\n", encoding="utf-8")
    with pytest.raises((CommandError, ValueError), match="label"):
        call_command("monitor", "train", "--labelled", str(bad), "--no-analysts")


@pytest.mark.django_db
def test_analysts_decisions_join_the_training_data():
    from nanduti.monitoring import models
    from nanduti.monitoring.training import analyst_examples

    if not hasattr(models, "ReviewDecision"):
        pytest.fail("ReviewDecision model missing")
    article = models.Article.objects.create(
        title="Rescatan a joven", text="Fue captada por Facebook para explotación sexual."
    )
    fields = {f.name for f in models.ReviewDecision._meta.get_fields()}
    extra = {"decision": "confirm"} if "decision" in fields else {}
    models.ReviewDecision.objects.create(article=article, label=True, **extra)
    rows = analyst_examples()
    assert rows and rows[0]["label"] is True and "Facebook" in rows[0]["text"]


def test_fetch_with_an_unknown_source_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no source with that name"):
        call_command("monitor", "fetch", "--source", "no-existe")
