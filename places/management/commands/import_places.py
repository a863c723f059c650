from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from places.services import (
    BUNDLED_EDITION,
    PlaceFileError,
    bundled_paths,
    places_import,
)


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Makes a CBS edition of provinces, gemeenten, wijken (and optionally buurten) current. "
        "Idempotent; validates every file before writing; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = bundled_paths()
        parser.add_argument("--provinces", type=Path, default=defaults["provinces"])
        parser.add_argument("--municipalities", type=Path, default=defaults["municipalities"])
        parser.add_argument("--districts", type=Path, default=defaults["districts"])
        parser.add_argument(
            "--neighbourhoods",
            type=Path,
            default=None,
            help="CSV of buurten: buurtcode,buurtnaam,wijkcode[,inwoners] (docs/operations.md).",
        )
        parser.add_argument("--edition", default=BUNDLED_EDITION)
        parser.add_argument("--dry-run", action="store_true", help="Report, then roll back.")

    def handle(self, *args: object, **options: object) -> None:
        paths = {
            level: options[level]
            for level in ("provinces", "municipalities", "districts", "neighbourhoods")
            if options[level] is not None
        }
        try:
            with transaction.atomic():
                report = places_import(paths=paths, edition=str(options["edition"]))
                if options["dry_run"]:
                    raise _DryRun
        except PlaceFileError as exc:
            raise CommandError(f"Nothing imported. {exc}") from None
        except _DryRun:
            self.stdout.write("Dry run: nothing was saved.")
        self.stdout.write(f"CBS edition {report.edition}")
        for level, lr in report.levels.items():
            self.stdout.write(
                f"{level}: {lr.created} created, {lr.updated} updated, "
                f"{lr.unchanged} unchanged, {len(lr.deactivated)} deactivated"
                + (f" ({', '.join(lr.deactivated[:20])})" if lr.deactivated else "")
            )
        if report.inactive_references:
            self.stdout.write("Inactive places that records still point at:")
            for ref in report.inactive_references:
                self.stdout.write(f"  {ref.code} {ref.name}: {ref.count} × {ref.referenced_by}")
        else:
            self.stdout.write("No records point at inactive places.")
