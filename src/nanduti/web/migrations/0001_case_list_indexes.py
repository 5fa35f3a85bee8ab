"""Indexes the web pages need on registry tables, created with plain SQL.

* the case list shows one institution's cases newest-changed first, 50 at a time: an index
  on (institution, updated_at, id) lets the database read the first page in order instead
  of sorting every case of the institution (seconds at a million cases);
* every page asks whether any synthetic case exists (the demo banner): a partial index
  of the synthetic cases makes that a lookup instead of a full scan.

Written as SQL valid on SQLite and PostgreSQL so the registry's models stay as they are.
"""

from django.db import migrations

INDEXES = (
    (
        "web_case_inst_updated",
        "CREATE INDEX IF NOT EXISTS web_case_inst_updated "
        "ON registry_case (institution_id, updated_at DESC, id DESC)",
    ),
    (
        "web_case_synthetic",
        "CREATE INDEX IF NOT EXISTS web_case_synthetic ON registry_case (synthetic) "
        "WHERE synthetic",
    ),
    (
        "web_techuse_case_platform",
        "CREATE INDEX IF NOT EXISTS web_techuse_case_platform "
        "ON registry_technologyuse (case_id, platform)",
    ),
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunSQL(sql, reverse_sql=f"DROP INDEX IF EXISTS {name}")
        for name, sql in INDEXES
    ]
