"""Preconfigured sources: the four outlets of the study, unverified and inactive."""

from __future__ import annotations

import pytest

from nanduti.monitoring import sources
from nanduti.monitoring.models import Source


@pytest.mark.django_db
def test_the_four_outlets_are_preconfigured_inactive_and_unverified():
    assert set(Source.objects.values_list("outlet", flat=True)) >= {
        "Última Hora",
        "ABC Color",
        "La Nación",
        "Agencia IP",
    }
    preset = Source.objects.filter(outlet__in=sources.outlets())
    assert preset.count() == len(sources.preconfigured())
    assert not preset.filter(active=True).exists()
    assert not preset.filter(verified=True).exists()
    assert all(s.url.startswith("https://") for s in preset)


@pytest.mark.django_db
def test_loading_again_keeps_an_administrators_changes():
    s = Source.objects.get(name="ABC Color — RSS")
    s.url = "https://www.abc.com.py/feed-corregido.xml"
    s.active = True
    s.save()
    assert sources.load_preconfigured() == 0
    s.refresh_from_db()
    assert s.url.endswith("feed-corregido.xml") and s.active


@pytest.mark.django_db
def test_load_creates_missing_sources():
    Source.objects.filter(outlet="La Nación").delete()
    assert sources.load_preconfigured() == 2
    assert Source.objects.filter(outlet="La Nación", active=False).count() == 2


def test_unknown_kind_is_a_bilingual_error(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[[source]]\nname = "X"\nkind = "ftp"\nurl = "ftp://x"\n')
    with pytest.raises(ValueError, match="desconocido / source 1: unknown kind"):
        sources.preconfigured(path)


@pytest.mark.django_db
def test_ad_hoc_source_is_reused_and_inactive(tmp_path):
    path = str(tmp_path / "a.jsonl")
    first = sources.ad_hoc("jsonl", path, outlet="Archivo")
    assert sources.ad_hoc("jsonl", path) == first
    assert not first.active and first.outlet == "Archivo"
    with pytest.raises(ValueError, match="unknown source kind"):
        sources.ad_hoc("ftp", "ftp://x")
