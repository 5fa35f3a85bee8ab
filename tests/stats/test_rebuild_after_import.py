"""The statistics summary is rebuilt after an import, on the registry's signal (the import
command does not know the statistics)."""

import io

import pytest
from django.core.management import call_command

from nanduti.stats.models import SummaryState
from nanduti.stats.summary import data_version


@pytest.mark.django_db
def test_the_import_command_leaves_a_current_summary(settings, tmp_path, institutions):
    settings.VAR_DIR = tmp_path / "var"
    source = tmp_path / "casos.csv"
    source.write_text(
        "referencia_caso;departamento;sexo;edad\nH-1;Central;F;15\nH-2;Itapua;mujer;22\n",
        encoding="utf-8",
    )
    assert not SummaryState.objects.exists()
    call_command("import", str(source), institution="UFETESI", stdout=io.StringIO())
    state = SummaryState.objects.get()
    assert state.version == data_version()
    assert state.version["cases"] == 2
