from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The cache lives in PostgreSQL (see settings.CACHES): only Celery needs Redis.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS django_cache")


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
