from django.db import migrations


class Migration(migrations.Migration):
    """Scheme nanduti-pprl-2 compares one record-level filter: one Dice per pair."""

    dependencies = [("linkage", "0002_spanish_labels")]

    operations = [
        migrations.RenameField("uncertainpair", "given_dice", "name_dice"),
        migrations.RemoveField("uncertainpair", "surname_dice"),
    ]
