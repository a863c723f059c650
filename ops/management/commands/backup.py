from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import (
    BackupError,
    Database,
    backup_database,
    backup_media,
    backup_name,
    file_roots,
)


class Command(BaseCommand):
    help = (
        "Backs up the database (pg_dump, custom format), the uploaded media and the private "
        "files (a tar.gz each) into a directory. Restore with `manage.py restore` into an empty "
        "database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", default="backups", help="Directory for the files (default: ./backups)."
        )
        parser.add_argument("--no-media", action="store_true", help="Only the database, no files.")

    def handle(self, *args: object, **options: object) -> None:
        output = Path(str(options["output"]))
        output.mkdir(parents=True, exist_ok=True)
        try:
            dump = backup_database(
                Database.from_settings(), output / backup_name("database", "dump")
            )
            self.stdout.write(f"database: {dump} ({dump.stat().st_size:,} bytes)")
            if not options["no_media"]:
                for kind, root in file_roots().items():
                    archive, count = backup_media(root, output / backup_name(kind, "tar.gz"))
                    self.stdout.write(f"{kind}: {archive} ({count:,} files)")
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Backup complete."))
