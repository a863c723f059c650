"""`manage.py seed_demo`: idempotent, prints its logins, and the demo it makes is valued."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from impact.methods import current_version
from impact.models import HandprintResult, IndicatorQuantity
from initiatives.demo import LOGINS
from initiatives.models import Initiative

pytestmark = pytest.mark.django_db


@pytest.mark.slow  # seeds the whole demo
def test_demo_seed_is_idempotent_and_prints_logins(cbs_places, reference_data, capsys):
    call_command("seed_demo", count=10, months=2)
    first = Initiative.objects.count()
    quantities = IndicatorQuantity.objects.count()
    call_command("seed_demo", count=10, months=2)
    out = capsys.readouterr().out
    assert Initiative.objects.count() == first == 11
    assert IndicatorQuantity.objects.count() == quantities > 0
    assert LOGINS["resident"] in out and LOGINS["officer"] in out and LOGINS["staff"] in out
    assert re.search(r"Demo initiatives created: 0", out)
    assert re.search(r"Demo initiatives given activities: 0", out)

    # Every published demo initiative says what it does, and reports its activities' indicators
    published = Initiative.objects.published()
    assert published.exists()
    assert not published.filter(activities__isnull=True).exists()
    assert not published.filter(indicator_quantities__isnull=True).exists()
    # Two quantities are far above their plausible maximum and wait for review (R11)
    assert IndicatorQuantity.objects.filter(quantity__gt=1000, review="").count() >= 2

    # The demo's handprint computation (bin/setup: recompute_handprints --all) values them
    call_command("recompute_handprints", "--all")
    version = current_version()
    results = HandprintResult.objects.filter(version=version, period_kind="rolling12")
    lines = [line for result in results for line in result.lines]
    valued = [
        line
        for line in lines
        if line["kind"] not in ("input", "counted")
        and line["value"]
        and Decimal(line["value"]["central"]) > 0
    ]
    assert version.code == "2027.2" and valued, lines
    assert sum(result.held_for_review for result in results) == 2
