"""Loads the SDG reference table from the CSV shipped with the app."""

import csv
from pathlib import Path

from django.db import transaction

from sdgs.models import Goal, Target

DATA = Path(__file__).resolve().parent / "data"
SDG_CSV = DATA / "sdgs.csv"
TARGETS_CSV = DATA / "targets.csv"
TARGETS_NL_CSV = DATA / "targets-nl.csv"


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


def target_rows() -> list[dict]:
    """The 169 targets in the UN's order, with our short Dutch label where we wrote one."""
    short_nl = {}
    if TARGETS_NL_CSV.exists():
        with TARGETS_NL_CSV.open(encoding="utf-8") as handle:
            short_nl = {row["code"]: row["short_nl"].strip() for row in csv.DictReader(handle)}
    with TARGETS_CSV.open(encoding="utf-8") as handle:
        return [
            {
                "code": row["code"].strip(),
                "goal_id": int(row["goal"]),
                "position": position,
                "name_en": row["name_en"].strip(),
                "short_nl": short_nl.get(row["code"].strip(), ""),
            }
            for position, row in enumerate(csv.DictReader(handle), start=1)
        ]


@transaction.atomic
def targets_load(model: type = Target) -> int:
    """Creates or updates the 169 targets (a migration passes its historical model)."""
    for row in target_rows():
        model.objects.update_or_create(code=row.pop("code"), defaults=row)
    return model.objects.count()
