# The constraint apart from 0004's data step: PostgreSQL refuses to alter a table with
# pending trigger events from an update in the same transaction.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("funding", "0004_funding_rounds_two")]

    operations = [
        migrations.AddConstraint(
            model_name="application",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("status__in", ["approved", "partly"]),
                        models.Q(("grant", ""), _negated=True),
                    ),
                    models.Q(
                        models.Q(("status__in", ["approved", "partly"]), _negated=True),
                        ("grant", ""),
                    ),
                    _connector="OR",
                ),
                name="application_grant_of_an_award",
            ),
        ),
    ]
