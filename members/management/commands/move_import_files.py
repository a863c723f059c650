from django.core.management.base import BaseCommand

from members.imports import import_files_move_from_media


class Command(BaseCommand):
    help = (
        "Moves member import files that older releases kept in MEDIA_ROOT/imports/ (public) to "
        "PRIVATE_MEDIA_ROOT. Idempotent; run by bin/setup."
    )

    def handle(self, *args: object, **options: object) -> None:
        moved = import_files_move_from_media()
        self.stdout.write(f"Moved {moved} import files to the private root.")
