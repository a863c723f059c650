"""Prepares a private PostgreSQL for gunicorn: migrations, an owner with a token, initiatives.

Run as `python -m tests.faults.site_seed COUNT` with DATABASE_URL pointing at the empty
database; prints {"token": …, "slugs": […], "municipality": …} as JSON on the last line.
"""

import json
import os
import sys


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.api_auth import api_token_create
    from initiatives.models import InitiativeGoal
    from tests.factories import InitiativeFactory, MunicipalityFactory, UserFactory

    call_command("migrate", verbosity=0, interactive=False)
    owner = UserFactory()
    municipality = MunicipalityFactory()
    initiatives = [
        InitiativeFactory(published=True, owner=owner, municipality=municipality)
        for _ in range(count)
    ]
    InitiativeGoal.objects.bulk_create(
        InitiativeGoal(initiative=initiative, goal_id=goal, position=position)
        for initiative in initiatives
        for position, goal in enumerate((11, 3), start=1)
    )
    _token, key = api_token_create(user=owner, name="faults")
    print(  # noqa: T201 - the parent test reads this line
        json.dumps(
            {
                "token": key,
                "slugs": [initiative.slug for initiative in initiatives],
                "municipality": municipality.code,
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
