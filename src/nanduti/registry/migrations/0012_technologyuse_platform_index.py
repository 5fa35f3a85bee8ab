"""The technology uses' index on the platform alone, which nothing reads: the list's
platform filter goes from a case to its platforms (``techuse_case_platform``) and
statistics read their snapshots. Measured on 181,896 imported cases (PostgreSQL, load
~20): the list's platform filter took 370–450 ms with and without it, while every import
inserted ~1.6 entries per file row into it (~3 µs of server CPU).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_spanish_labels"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="technologyuse",
            name="registry_te_platfor_51c386_idx",
        ),
    ]
