"""Method texts get a maximum length, checked by PostgreSQL too (issue 14)."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0003_recompute_start_permission_and_labels"),
    ]

    operations = [
        migrations.AlterField(
            model_name="methodindicator",
            name="value_source",
            field=models.TextField(
                blank=True, max_length=2000, verbose_name="source of the unit values"
            ),
        ),
        migrations.AlterField(
            model_name="methodversion",
            name="changes",
            field=models.TextField(blank=True, max_length=10000, verbose_name="what changed"),
        ),
        migrations.AddConstraint(
            model_name="methodindicator",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("value_source"), 2000
                ),
                name="method_indicator_source_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="methodversion",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("changes"), 10000
                ),
                name="method_version_changes_length",
            ),
        ),
    ]
