"""Method version 2026.1 as reference data, and the database guard on published versions."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

METHOD_FILE = Path(__file__).resolve().parent.parent / "data" / "method-2026.1.json"

IMMUTABLE_SQL = """
CREATE OR REPLACE FUNCTION impact_refuse_published_change() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'impact_methodversion' THEN
    IF OLD.published_at IS NOT NULL THEN
      RAISE EXCEPTION 'method version % is published and cannot change', OLD.code
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  ELSIF EXISTS (
    SELECT 1 FROM impact_methodversion v
    WHERE v.id = COALESCE(OLD.version_id, NEW.version_id) AND v.published_at IS NOT NULL
  ) OR (TG_OP <> 'DELETE' AND EXISTS (
    SELECT 1 FROM impact_methodversion v WHERE v.id = NEW.version_id AND v.published_at IS NOT NULL
  )) THEN
    RAISE EXCEPTION 'indicators of a published method version cannot change'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER impact_methodversion_immutable
  BEFORE UPDATE OR DELETE ON impact_methodversion
  FOR EACH ROW EXECUTE FUNCTION impact_refuse_published_change();
CREATE TRIGGER impact_methodindicator_immutable
  BEFORE INSERT OR UPDATE OR DELETE ON impact_methodindicator
  FOR EACH ROW EXECUTE FUNCTION impact_refuse_published_change();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS impact_methodindicator_immutable ON impact_methodindicator;
DROP TRIGGER IF EXISTS impact_methodversion_immutable ON impact_methodversion;
DROP FUNCTION IF EXISTS impact_refuse_published_change();
"""


def load_method(apps, schema_editor):
    indicator_model = apps.get_model("impact", "Indicator")
    version_model = apps.get_model("impact", "MethodVersion")
    entry_model = apps.get_model("impact", "MethodIndicator")
    data = json.loads(METHOD_FILE.read_text(encoding="utf-8"))
    indicators = {}
    for row in data["indicators"]:
        indicators[row["code"]], _ = indicator_model.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
    spec = data["version"]
    if version_model.objects.filter(code=spec["code"]).exists():
        return
    version = version_model.objects.create(
        code=spec["code"], name=spec["name"], valid_from=spec["valid_from"], changes=spec["changes"]
    )
    for entry in spec["entries"]:
        entry_model.objects.create(
            version=version,
            indicator=indicators[entry["indicator"]],
            split=entry["split"],
            fixed_split=entry.get("fixed_split", {}),
            unit_value_low=entry.get("unit_value_low"),
            unit_value_central=entry.get("unit_value_central"),
            unit_value_high=entry.get("unit_value_high"),
            value_source=entry.get("value_source", ""),
        )
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])


class Migration(migrations.Migration):
    dependencies = [("impact", "0001_initial")]

    operations = [
        migrations.RunSQL(IMMUTABLE_SQL, DROP_SQL),
        migrations.RunPython(load_method, migrations.RunPython.noop),
    ]
