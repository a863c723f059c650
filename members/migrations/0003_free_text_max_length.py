"""Free text gets a maximum length, checked by PostgreSQL too (issue 14). The demo data is far
below the limits; longer text written before this migration is cut to the limit (the count is
printed) rather than failing the deploy. The history keeps the full earlier text."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length, Substr

# (model, field, limit): text longer than the new limit is cut to it, so the CHECK can be added.
LIMITS = [
    ("members.MemberOrganisation", "story", 5_000),
    ("members.Membership", "reason", 2_000),
]


def shorten_long_text(apps, schema_editor):
    for model_name, field, limit in LIMITS:
        model = apps.get_model(*model_name.split("."))
        too_long = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit)
        count = too_long.update(**{field: Substr(field, 1, limit)})
        if count:
            print(f"\n  {model_name}.{field}: {count} text(s) cut to {limit} characters")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_lsa_staff_group"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalmemberorganisation",
            name="story",
            field=models.TextField(
                blank=True,
                help_text="A few sentences for the public member directory.",
                max_length=5000,
                verbose_name="story",
            ),
        ),
        migrations.AlterField(
            model_name="historicalmembership",
            name="reason",
            field=models.TextField(
                blank=True,
                help_text="Why it was suspended or ended.",
                max_length=2000,
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="memberorganisation",
            name="story",
            field=models.TextField(
                blank=True,
                help_text="A few sentences for the public member directory.",
                max_length=5000,
                verbose_name="story",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="reason",
            field=models.TextField(
                blank=True,
                help_text="Why it was suspended or ended.",
                max_length=2000,
                verbose_name="reason",
            ),
        ),
        migrations.RunPython(shorten_long_text, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="memberorganisation",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("story"), 5000
                ),
                name="member_story_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("reason"), 2000
                ),
                name="membership_reason_length",
            ),
        ),
    ]
