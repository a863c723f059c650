from django.core.management.base import BaseCommand

from common.pagecache import EVERYTHING, breaker, generation_bump


class Command(BaseCommand):
    help = "Empties the anonymous page cache (bumps the generation every page reads)."

    def handle(self, *args: object, **options: object) -> None:
        generation_bump(EVERYTHING)
        if breaker.pending:
            self.stderr.write("Redis is unreachable: nothing was flushed.")
            raise SystemExit(1)
        self.stdout.write("Page cache flushed: every page is rendered afresh on its next request.")
