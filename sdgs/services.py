"""Loads the SDG reference table from the CSV shipped with the app."""

import csv
from pathlib import Path

from django.db import transaction

from sdgs.models import Goal

SDG_CSV = Path(__file__).resolve().parent / "data" / "sdgs.csv"


@transaction.atomic
def goals_load(*, path: Path = SDG_CSV) -> tuple[int, int, int]:
    """Creates or updates the 17 goals from the CSV; returns (created, updated, unchanged)."""
    created = updated = unchanged = 0
    existing = {goal.number: goal for goal in Goal.objects.all()}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            goal = Goal(
                number=int(row["number"]),
                name_nl=row["name_nl"].strip(),
                name_en=row["name_en"].strip(),
                colour=row["colour"].strip().upper(),
            )
            old = existing.get(goal.number)
            if old is None:
                created += 1
            elif (old.name_nl, old.name_en, old.colour) == (
                goal.name_nl,
                goal.name_en,
                goal.colour,
            ):
                unchanged += 1
                continue
            else:
                updated += 1
            goal.save()
    return created, updated, unchanged
