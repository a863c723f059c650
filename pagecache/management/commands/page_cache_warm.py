import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pagecache.warm import KINDS, Result, WarmError, default_host, host_parse, warm


class Command(BaseCommand):
    help = (
        "Renders every public page a visitor reaches by default into the anonymous page cache "
        "(pages already cached are skipped). docs/operations.md, 'Warming the page cache'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            help="the site's host as visitors send it (example.nl, 127.0.0.1:8000 or "
            "http://127.0.0.1:8000); default: the first ALLOWED_HOSTS entry",
        )
        parser.add_argument(
            "--languages", help="comma-separated language codes (default: all of LANGUAGES)"
        )
        parser.add_argument(
            "--only", help=f"comma-separated kinds of page (default: all): {','.join(KINDS)}"
        )
        parser.add_argument("--limit", type=int, help="warm at most this many pages")
        parser.add_argument(
            "--workers", type=int, default=1, help="processes (0: one per core); default 1"
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            scheme, host = host_parse(options["host"]) if options["host"] else default_host()
        except ValueError as error:
            raise CommandError(str(error)) from error
        known = [code for code, _name in settings.LANGUAGES]
        languages = _split(options["languages"]) or known
        if unknown := [code for code in languages if code not in known]:
            raise CommandError(
                f"unknown language(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        kinds = _split(options["only"]) or list(KINDS)
        if unknown := [kind for kind in kinds if kind not in KINDS]:
            raise CommandError(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}")
        limit = options["limit"]
        if limit is not None and limit < 0:
            raise CommandError("--limit must be at least 0")
        workers = options["workers"]
        if workers < 0:
            raise CommandError("--workers must be at least 0")
        workers = workers or os.cpu_count() or 1
        self.stdout.write(
            f"Warming the page cache for {scheme}://{host} ({', '.join(languages)}; "
            f"{', '.join(kinds)}; {workers} worker(s))…"
        )
        last = [0.0]

        def progress(total: Result, of: int) -> None:
            share = total.pages / of if of else 1
            if share - last[0] >= 0.1 or total.pages == of:
                last[0] = share
                self.stdout.write(f"  {total.pages:,} of {of:,} pages ({share:.0%})")

        try:
            result, seconds = warm(
                kinds=kinds,
                languages=languages,
                scheme=scheme,
                host=host,
                limit=limit,
                workers=workers,
                progress=progress,
            )
        except WarmError as error:
            raise CommandError(str(error)) from error
        for language, path, why in result.errors:
            self.stderr.write(f"  error [{language}] {path}: {why}")
        rate = result.pages / seconds if seconds else 0.0
        self.stdout.write(
            f"Page cache warmed: {result.rendered:,} rendered, {result.skipped:,} skipped "
            f"(already cached), {result.unstored:,} not stored (changed while rendered), "
            f"{len(result.errors):,} errors; {seconds:.1f} s, {rate:,.0f} pages/s, "
            f"{result.bytes_stored:,} bytes stored"
            + (
                f" ({result.bytes_stored / result.rendered:,.0f} per page)"
                if result.rendered
                else ""
            )
        )


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]
