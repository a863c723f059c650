"""The demo's committee round (Funding rounds II): every state of an award's life, once."""

from decimal import Decimal

import pytest
from django.core.files.storage import storages
from django.db.models import Sum

from funding.demo import COMMITTEE_FUND_SLUG, committee_demo_seed, funding_demo_seed
from funding.models import Application, Receipt, Review, Round
from initiatives.demo import demo_seed

pytestmark = pytest.mark.django_db


def test_the_committee_demo_shows_every_state_of_an_award_once(cbs_places, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    demo_seed(count=40, months=2)
    funding_demo_seed()

    report = committee_demo_seed()

    round_ = Round.objects.get(fund__slug=COMMITTEE_FUND_SLUG)
    assert report.created == 6
    assert round_.mode == Round.Mode.COMMITTEE
    grants = set(round_.applications.values_list("grant", flat=True))
    assert grants == {"", *Application.Grant.values}
    # The pot's awarded money is what its awards add up to; committee rounds reserve nothing.
    totals = round_.applications.aggregate(awarded=Sum("awarded"), reserved=Sum("reserved"))
    assert (round_.awarded, round_.reserved) == (totals["awarded"], Decimal(0))
    # Three members; one declared a conflict on one application and scored nothing there.
    assert round_.committee.count() == 3
    conflict = Review.objects.get(application__round=round_, conflict=True)
    assert not conflict.scores.exists()
    # Receipts are private files that exist
    receipt = Receipt.objects.filter(accountability__application__round=round_).first()
    assert storages["private"].exists(receipt.file.name)
    reclaimed = round_.applications.get(grant=Application.Grant.RECLAIMED)
    assert reclaimed.settled_amount + reclaimed.reclaimed_amount == reclaimed.awarded
    # And seeding again adds nothing
    assert committee_demo_seed().created == 0
