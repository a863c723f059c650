"""Free text gets a maximum length, checked by PostgreSQL too (issue 14): a 2.4 MB description
overflowed the search vector. The demo data is far below the limits; longer text written before
this migration is cut to the limit (the count is printed) rather than failing the deploy."""

import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Length, Substr

# (model, field, limit): text longer than the new limit is cut to it, so the CHECK can be added.
LIMITS = [
    ("initiatives.Initiative", "description", 10_000),
    ("initiatives.Initiative", "return_reason", 2_000),
    ("initiatives.InitiativeEvent", "reason", 2_000),
    ("initiatives.Need", "description", 2_000),
    ("initiatives.HelpOffer", "message", 4_000),
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
        ("initiatives", "0004_search_words"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="initiative",
            name="description",
            field=models.TextField(blank=True, max_length=10000, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="initiative",
            name="return_reason",
            field=models.TextField(
                blank=True, max_length=2000, verbose_name="reason for returning"
            ),
        ),
        migrations.AlterField(
            model_name="initiativeevent",
            name="reason",
            field=models.TextField(blank=True, max_length=2000, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="need",
            name="description",
            field=models.TextField(blank=True, max_length=2000, verbose_name="more about it"),
        ),
        migrations.RunPython(shorten_long_text, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="helpoffer",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("message"), 4000
                ),
                name="help_offer_message_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="initiative",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("description"), 10000
                ),
                name="initiative_description_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="initiative",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("return_reason"), 2000
                ),
                name="initiative_return_reason_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="initiativeevent",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("reason"), 2000
                ),
                name="initiative_event_reason_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="need",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("description"), 2000
                ),
                name="need_description_length",
            ),
        ),
    ]
