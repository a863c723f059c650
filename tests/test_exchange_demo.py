"""The exchange's demo (exchange/demo.py): partners of every kind the issue names, offers in
every category, matches in every state with messages, logins that work; seeded once."""

import pytest
from django.contrib.auth import authenticate

from exchange.demo import PARTNER_LOGINS, exchange_demo_seed
from exchange.models import Category, Match, Offer, Partner
from impact.models import IndicatorQuantity
from initiatives.demo import DEMO_PASSWORD, demo_seed

pytestmark = pytest.mark.django_db


def test_the_exchange_demo_shows_every_kind_category_and_state_once(cbs_places):
    demo_seed(count=40, months=1)

    report = exchange_demo_seed()

    partners = Partner.objects.all()
    assert {p.kind for p in partners} >= {"housing", "company", "fund", "welfare", "municipal"}
    assert list(partners.filter(status="pending").values_list("name", flat=True)) == [
        "Bouwbedrijf Stevig"
    ]
    assert set(Offer.objects.values_list("category", flat=True)) == set(Category.values)
    matches = Match.objects.all()
    assert report.created == matches.count() == 14
    assert set(matches.values_list("status", flat=True)) == set(Match.Status.values)
    assert set(matches.exclude(lapse="").values_list("lapse", flat=True)) == set(Match.Lapse.values)
    assert matches.filter(giver="helper", helper_token__isnull=False).count() == 2
    assert matches.filter(status="closed", fulfils_need=True, need__status="fulfilled").exists()
    assert not matches.filter(messages__isnull=True).exists()
    # Only published initiatives' needs, each need once.
    assert not matches.exclude(need__initiative__status="published").exists()
    assert len(set(matches.values_list("need", flat=True))) == 14
    # Every partner's staff member logs in with the demo password.
    assert all(authenticate(username=email, password=DEMO_PASSWORD) for email in PARTNER_LOGINS)
    assert partners.get(slug="fonds-buurtkracht").staff.get().email == PARTNER_LOGINS[2]
    # The partners' delivered hours are their initiatives' partner hours, once (exchange.value).
    delivered = matches.filter(giver="partner", status__in=["delivered", "closed"])
    partner_hours = IndicatorQuantity.objects.filter(indicator__code="partner_hours")
    assert sum(q.quantity for q in partner_hours) == sum(m.hours or 0 for m in delivered) > 0

    # And seeding again adds nothing.
    assert exchange_demo_seed().created == 0
    assert Match.objects.count() == 14
