"""Method 2027.1 as data (activities, sourced prices, rules, SDG targets), published on loading.

The new version tables get the same guard as the indicators: a published version's rows never
change. 2026.1 stays published; its volunteer hours are named as what they are, an input at
replacement value, and its reach as averaged per month (the columns are new, so its rows are
given their kind and aggregation once, here).
"""

import datetime

from django.db import migrations
from django.utils import timezone

TABLES = ("methodprice", "methodconversion", "methodactivity", "methodrule")

GUARD_SQL = "\n".join(
    f"""
CREATE TRIGGER impact_{table}_immutable
  BEFORE INSERT OR UPDATE OR DELETE ON impact_{table}
  FOR EACH ROW EXECUTE FUNCTION impact_refuse_published_change();"""
    for table in TABLES
)
DROP_SQL = "\n".join(f"DROP TRIGGER IF EXISTS impact_{t}_immutable ON impact_{t};" for t in TABLES)

NAME_2026_KINDS = """
ALTER TABLE impact_methodindicator DISABLE TRIGGER impact_methodindicator_immutable;
UPDATE impact_methodindicator e SET kind = 'input'
FROM impact_indicator i, impact_methodversion v
WHERE e.indicator_id = i.id AND e.version_id = v.id AND v.code = '2026.1'
  AND i.code = 'volunteer_hours';
UPDATE impact_methodindicator e SET aggregation = 'average'
FROM impact_indicator i, impact_methodversion v
WHERE e.indicator_id = i.id AND e.version_id = v.id AND v.code = '2026.1'
  AND i.code = 'people_reached';
ALTER TABLE impact_methodindicator ENABLE TRIGGER impact_methodindicator_immutable;
"""


def load_2027(apps, schema_editor) -> None:
    from impact.method_data import method_load, method_problems, method_read

    data = method_read("2027.1")
    version_model = apps.get_model("impact", "MethodVersion")
    if version_model.objects.filter(code=data["version"]["code"]).exists():
        return
    targets = set(apps.get_model("sdgs", "Target").objects.values_list("code", flat=True))
    if problems := method_problems(data, targets):
        raise ValueError("method 2027.1 is incomplete:\n" + "\n".join(problems))
    # Current from the day it is loaded; a later day if a version already starts today.
    valid_from = timezone.localdate()
    while version_model.objects.filter(valid_from=valid_from).exists():
        valid_from += datetime.timedelta(days=1)
    method_load(data, apps, valid_from=valid_from, published_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0005_method_2027_schema"),
        ("sdgs", "0003_targets"),
    ]

    operations = [
        migrations.RunSQL(GUARD_SQL, DROP_SQL),
        migrations.RunSQL(NAME_2026_KINDS, migrations.RunSQL.noop),
        migrations.RunPython(load_2027, migrations.RunPython.noop),
    ]
