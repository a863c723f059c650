from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, Database, file_roots, restore_database, restore_media


class Command(BaseCommand):
    help = (
        "Restores a `manage.py backup` dump into an EMPTY database (all or nothing) and, "
        "optionally, the media archive into MEDIA_ROOT and the private one into "
        "PRIVATE_MEDIA_ROOT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dump", help="The .dump file written by `manage.py backup`.")
        parser.add_argument(
            "--database-url",
            help="The empty target database (default: the configured DATABASE_URL).",
        )
        parser.add_argument("--media", help="A media .tar.gz to unpack into MEDIA_ROOT.")
        parser.add_argument(
            "--private", help="A private .tar.gz to unpack into PRIVATE_MEDIA_ROOT."
        )

    def handle(self, *args: object, **options: object) -> None:
        url = options["database_url"]
        target = Database.from_url(str(url)) if url else Database.from_settings()
        try:
            restore_database(Path(str(options["dump"])), target)
            self.stdout.write(f"database restored into {target.name!r}")
            for kind, root in file_roots().items():
                if options[kind]:
                    count = restore_media(Path(str(options[kind])), root)
                    self.stdout.write(f"{kind}: {count:,} files into {root}")
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Restore complete."))
