"""Method 2027.2 (issue #22): 2027.1 plus the partner_hours indicator and rule R12 (the
ledgers), published on loading and current from the day it is loaded.

Loaded on the same day as 2027.1 (a fresh install migrates both at once) the two would share
a valid-from day, which is unique: 2027.1 then starts the day before. Its figures do not change
(a result names its version, not a day); it only stops being the version valid today a day
earlier than it otherwise would. That is the one change ever made to a published version's row
here, so the guard is lifted for that UPDATE alone.
"""

import datetime

from django.db import connection, migrations
from django.utils import timezone

CODE = "2027.2"
TABLE = "impact_methodversion"


def load_2027_2(apps, schema_editor) -> None:
    from impact.method_data import method_load, method_problems, method_read

    data = method_read(CODE)
    version_model = apps.get_model("impact", "MethodVersion")
    if version_model.objects.filter(code=CODE).exists():
        return
    targets = set(apps.get_model("sdgs", "Target").objects.values_list("code", flat=True))
    if problems := method_problems(data, targets):
        raise ValueError(f"method {CODE} is incomplete:\n" + "\n".join(problems))
    today = timezone.localdate()
    same_day = version_model.objects.filter(valid_from=today).first()
    if same_day is not None:
        earlier = today - datetime.timedelta(days=1)
        while version_model.objects.filter(valid_from=earlier).exists():
            earlier -= datetime.timedelta(days=1)
        # The tests' reference_data_load calls this without a schema editor.
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER impact_methodversion_immutable")
            version_model.objects.filter(pk=same_day.pk).update(valid_from=earlier)
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER impact_methodversion_immutable")
    method_load(data, apps, valid_from=today, published_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0013_partner_hours_indicator"),
        ("sdgs", "0003_targets"),
    ]

    operations = [migrations.RunPython(load_2027_2, migrations.RunPython.noop)]
