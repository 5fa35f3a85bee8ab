"""Indexes nothing reads: technology category (a dozen values), victim (sex, age band)
(two or three values each) and the case's import batch (one value per import; deleting a
batch, rare, scans the cases). The list's sex filter goes from a case to its victims
through ``unique_victim_ref``; statistics scan the tables. Measured on 272,703 imported
cases (PostgreSQL): the list's filters took the same time with and without the first two
(sex=female 25 ms, sex=male 64–65 ms), while every import inserted 3.9 index entries per
case into the three.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_case_means_of_control"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="technologyuse",
            name="registry_te_technol_99fbb2_idx",
        ),
        migrations.AlterField(
            model_name="case",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="cases",
                to="registry.importbatch",
            ),
        ),
        migrations.RemoveIndex(
            model_name="victim",
            name="registry_vi_sex_60fa7f_idx",
        ),
    ]
