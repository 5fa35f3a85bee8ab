"""Loading the vocabulary files into the database is complete, idempotent and repairs drift."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nanduti.taxonomy import loader, vocab
from nanduti.taxonomy.models import Term, VocabularyVersion


@pytest.fixture
def loaded(db):
    return loader.load_all()


def test_first_load_mirrors_every_file(loaded):
    assert set(loaded) == set(vocab.names())
    for name in vocab.names():
        assert Term.objects.filter(vocabulary=name).count() == len(vocab.get(name)), name
        version = VocabularyVersion.objects.get(vocabulary=name)
        assert (version.sha256, version.terms) == (vocab.get(name).sha256, len(vocab.get(name)))
    term = Term.objects.get(vocabulary="district", code="alto_parana.ciudad_del_este")
    assert term.parent_code == "alto_parana"
    assert "CDE" in term.aliases
    assert term.extra["dgeec_code"] == "1001"


def test_second_load_changes_nothing(loaded):
    before = list(Term.objects.order_by("id").values())
    assert all(count > 0 for count in loaded.values())
    assert loader.load_all() == {name: 0 for name in vocab.names()}
    assert loader.load_all(force=True) == {name: 0 for name in vocab.names()}
    assert list(Term.objects.order_by("id").values()) == before


def test_reload_repairs_edited_and_stray_rows(loaded):
    Term.objects.filter(vocabulary="platform", code="whatsapp").update(label_en="Whats")
    Term.objects.create(vocabulary="platform", code="myspace", label_es="x", label_en="x")
    Term.objects.filter(vocabulary="platform", code="tiktok").delete()
    VocabularyVersion.objects.filter(vocabulary="platform").update(sha256="old")
    changes = loader.load_all()
    assert changes["platform"] == 3
    assert changes["district"] == 0
    assert Term.objects.get(vocabulary="platform", code="whatsapp").label_en == "WhatsApp"
    assert not Term.objects.filter(vocabulary="platform", code="myspace").exists()
    assert Term.objects.filter(vocabulary="platform", code="tiktok").exists()


def test_command_prints_counts_per_vocabulary(db):
    out = StringIO()
    call_command("load_vocabularies", stdout=out)
    text = out.getvalue()
    assert f"district: {len(vocab.get('district'))} terms" in text
    assert "country: 249 terms" in text
    out = StringIO()
    call_command("load_vocabularies", stdout=out)
    assert "0 terms changed" in out.getvalue()
    assert "(unchanged)" in out.getvalue()


def test_command_rejects_an_unknown_vocabulary_in_both_languages(db):
    with pytest.raises(CommandError, match="Vocabulario desconocido / unknown vocabulary"):
        call_command("load_vocabularies", "platforms")
