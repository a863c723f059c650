"""The partner_hours indicator in the catalogue (issue #22): the exchange stores partner
employee-hours delivered through a match as its monthly quantity (impact.services
.partner_hours_set). Method 2027.2 (migration 0014) values it; versions before it ignore it.
"""

from django.db import migrations

PARTNER_HOURS = {
    "name_nl": "Uren van partners",
    "name_en": "Partner hours",
    "unit_nl": "uur",
    "unit_en": "hours",
    "is_universal": False,
}


def add_indicator(apps, schema_editor) -> None:
    apps.get_model("impact", "Indicator").objects.update_or_create(
        code="partner_hours", defaults=PARTNER_HOURS
    )


class Migration(migrations.Migration):
    dependencies = [("impact", "0012_officers_area_activities")]

    operations = [migrations.RunPython(add_indicator, migrations.RunPython.noop)]
