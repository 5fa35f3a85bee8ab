"""Indexes nothing reads: technology category (a dozen values) and victim (sex, age band)
(two or three values each). The list's sex filter goes from a case to its victims through
``unique_victim_ref``; statistics scan the tables. Measured on 272,703 imported cases
(PostgreSQL): the list's filters took the same time with and without them (sex=female
25 ms, sex=male 64–65 ms), while every import inserted 2.9 index entries per case into them.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_case_means_of_control"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="technologyuse",
            name="registry_te_technol_99fbb2_idx",
        ),
        migrations.RemoveIndex(
            model_name="victim",
            name="registry_vi_sex_60fa7f_idx",
        ),
    ]
