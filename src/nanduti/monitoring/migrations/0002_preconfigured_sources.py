"""The four Paraguayan outlets of the study, inactive and marked unverified (sources.toml)."""

import tomllib
from pathlib import Path

from django.db import migrations

SOURCES_FILE = Path(__file__).resolve().parent.parent / "data" / "sources.toml"
FIELDS = ("outlet", "kind", "url", "language", "active", "verified", "min_interval_seconds")


def add_sources(apps, schema_editor):
    Source = apps.get_model("monitoring", "Source")
    with open(SOURCES_FILE, "rb") as fh:
        entries = tomllib.load(fh).get("source", [])
    for entry in entries:
        Source.objects.get_or_create(
            name=entry["name"], defaults={k: entry[k] for k in FIELDS if k in entry}
        )


def remove_sources(apps, schema_editor):
    Source = apps.get_model("monitoring", "Source")
    with open(SOURCES_FILE, "rb") as fh:
        names = [e["name"] for e in tomllib.load(fh).get("source", [])]
    Source.objects.filter(name__in=names, last_fetched_at__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(add_sources, remove_sources)]
