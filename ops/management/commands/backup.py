from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, Database, backup_database, backup_media, backup_name


class Command(BaseCommand):
    help = (
        "Backs up the database (pg_dump, custom format) and the uploaded media (tar.gz) into "
        "a directory. Restore with `manage.py restore` into an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", default="backups", help="Directory for the files (default: ./backups)."
        )
        parser.add_argument("--no-media", action="store_true", help="Only the database.")

    def handle(self, *args: object, **options: object) -> None:
        output = Path(str(options["output"]))
        output.mkdir(parents=True, exist_ok=True)
        try:
            dump = backup_database(
                Database.from_settings(), output / backup_name("database", "dump")
            )
            self.stdout.write(f"database: {dump} ({dump.stat().st_size:,} bytes)")
            if not options["no_media"]:
                media, count = backup_media(
                    Path(settings.MEDIA_ROOT), output / backup_name("media", "tar.gz")
                )
                self.stdout.write(f"media: {media} ({count:,} files)")
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Backup complete."))
