"""PostgreSQL only: trigram indexes so the case list's text search stays fast.

The list searches ``reference`` and ``summary`` with a case-insensitive "contains"
(``UPPER(col) LIKE UPPER('%text%')``), which no B-tree index can serve; ``pg_trgm`` GIN
indexes on ``UPPER(col)`` can. Where the extension cannot be created (no privilege), the
migration leaves the search unindexed rather than failing. SQLite: nothing to do.
"""

from django.db import migrations, transaction

INDEXES = {
    "web_case_reference_trgm": "reference",
    "web_case_summary_trgm": "summary",
}


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - no privilege or extension missing: search still works
        return
    with connection.cursor() as cursor:
        for name, column in INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON registry_case "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
