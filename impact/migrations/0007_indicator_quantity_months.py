from django.db import migrations, models


class Migration(migrations.Migration):
    """The set-wise recompute merges an initiative's quantity months with its reports."""

    dependencies = [
        ("impact", "0006_method_2027_1"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="indicatorquantity",
            index=models.Index(fields=["initiative", "month"], name="indicator_quantity_months"),
        ),
    ]
