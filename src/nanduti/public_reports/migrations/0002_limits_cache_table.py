"""The database cache table that every server process shares for the public form's limits."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", "nanduti_limits_cache", verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(
        f"DROP TABLE IF EXISTS {schema_editor.quote_name('nanduti_limits_cache')}"
    )


class Migration(migrations.Migration):
    dependencies = [("public_reports", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
