import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from ops.services import probe_database, probe_redis


def _where_database() -> str:
    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or "local socket"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"{host}{port}/{db.get('NAME')}"


def _where_redis() -> str:
    url = settings.REDIS_URL
    return url.split("@")[-1] if "@" in url else url


class Command(BaseCommand):
    help = "Checks PostgreSQL and Redis answer; prints one clear line and exits 1 if not."

    def handle(self, *args: object, **options: object) -> None:
        failures = []
        database = probe_database()
        if not database["ok"]:
            failures.append(
                f"PostgreSQL is not reachable at {_where_database()} ({database['error']}). "
                "Start it or set DATABASE_URL."
            )
        broker = probe_redis()
        if not broker["ok"]:
            failures.append(
                f"Redis is not reachable at {_where_redis()} ({broker['error']}). "
                "Start it or set REDIS_URL."
            )
        for line in failures:
            self.stderr.write(line)
        if failures:
            sys.exit(1)
        self.stdout.write("PostgreSQL and Redis answer.")
