from django.core.management import call_command
from django.core.management.base import BaseCommand

from initiatives.services import themes_seed
from sdgs.services import goals_load


class Command(BaseCommand):
    help = "Loads the SDGs, seeds the themes and imports the bundled CBS places. Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        created, updated, unchanged = goals_load()
        self.stdout.write(f"SDGs: {created} created, {updated} updated, {unchanged} unchanged")
        created, existing = themes_seed()
        self.stdout.write(f"themes: {created} created, {existing} already present")
        call_command("import_places", stdout=self.stdout)
