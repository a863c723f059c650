"""Writes for initiatives and their reference lists."""

import csv
from pathlib import Path

from django.db import transaction

from initiatives.models import Theme

THEMES_CSV = Path(__file__).resolve().parent / "data" / "themes.csv"


@transaction.atomic
def themes_seed(*, path: Path = THEMES_CSV) -> tuple[int, int]:
    """Creates missing themes from the CSV; leaves themes staff already edited alone."""
    created = existing = 0
    with path.open(encoding="utf-8") as handle:
        for position, row in enumerate(csv.DictReader(handle), start=1):
            _, was_created = Theme.objects.get_or_create(
                slug=row["slug"].strip(),
                defaults={
                    "name_nl": row["name_nl"].strip(),
                    "name_en": row["name_en"].strip(),
                    "position": position,
                },
            )
            created += was_created
            existing += not was_created
    return created, existing
