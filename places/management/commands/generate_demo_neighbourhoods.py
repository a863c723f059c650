from django.core.management.base import BaseCommand, CommandError, CommandParser

from places.demo import (
    DEMO_SUFFIX,
    RealNeighbourhoodsLoaded,
    demo_neighbourhoods_generate,
    demo_neighbourhoods_remove,
)


class Command(BaseCommand):
    help = "Adds (or with --remove deletes) a synthetic, labelled buurt layer for demos."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--per-district", type=int, default=4)
        parser.add_argument("--remove", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        if options["remove"]:
            self.stdout.write(f"Removed {demo_neighbourhoods_remove()} synthetic buurten.")
            return
        try:
            made = demo_neighbourhoods_generate(per_district=int(options["per_district"]))
        except RealNeighbourhoodsLoaded as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Generated {made} synthetic buurten (labelled {DEMO_SUFFIX}).")
