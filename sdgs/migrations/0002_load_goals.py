"""The 17 goals are facts every database needs, tests included: load them with the schema."""

import csv
from pathlib import Path

from django.db import migrations

SDG_CSV = Path(__file__).resolve().parent.parent / "data" / "sdgs.csv"


def load_goals(apps, schema_editor):
    goal_model = apps.get_model("sdgs", "Goal")
    with SDG_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            goal_model.objects.update_or_create(
                number=int(row["number"]),
                defaults={
                    "name_nl": row["name_nl"].strip(),
                    "name_en": row["name_en"].strip(),
                    "colour": row["colour"].strip().upper(),
                },
            )


class Migration(migrations.Migration):
    dependencies = [("sdgs", "0001_initial")]

    operations = [migrations.RunPython(load_goals, migrations.RunPython.noop)]
