"""Funds and rounds (issue #20): the database refuses an overspent pot and incoherent limits,
whatever writes; the admin records who granted a fund manager."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User
from funding.models import Fund, FundManager, Round
from impact.models import MethodVersion
from tests.member_factories import lsa_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund() -> Fund:
    return Fund.objects.create(name="Buurtbeurs Impuls", slug="impuls", funder="LSA")


def a_round(fund: Fund, **fields: object) -> Round:
    values = {
        "fund": fund,
        "name": "Impuls 2027",
        "slug": "impuls-2027",
        "opens_on": datetime.date(2027, 1, 1),
        "pot": Decimal("60000"),
        "min_award": Decimal("500"),
        "max_award": Decimal("2500"),
        "method_version": MethodVersion.objects.order_by("valid_from").last(),
        "decision_term": 4,
        **fields,
    }
    return Round.objects.create(**values)


def refused(**fields: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=fields.pop("pk")).update(**fields)


def test_the_pot_is_never_overspent_in_the_database(fund):
    round_ = a_round(fund)
    assert round_.available == Decimal("60000") and round_.is_rolling
    Round.objects.filter(pk=round_.pk).update(reserved=Decimal("59000"), awarded=Decimal("1000"))
    refused(pk=round_.pk, reserved=F("reserved") + Decimal("0.01"))
    refused(pk=round_.pk, awarded=F("awarded") + Decimal("0.01"))
    refused(pk=round_.pk, reserved=Decimal("-1"))
    round_.refresh_from_db()
    assert round_.available == 0


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"min_award": Decimal("3000")}, "the minimum above the maximum"),
        ({"max_award": Decimal("70000")}, "an award larger than the pot"),
        ({"min_award": Decimal("0")}, "a minimum of nothing"),
        ({"closes_on": datetime.date(2026, 12, 31)}, "closing before it opens"),
        ({"person_max": Decimal("750")}, "a limit for persons who may receive nothing"),
    ],
)
def test_incoherent_rounds_are_refused_by_the_database(fund, fields, why):
    round_ = a_round(fund)
    refused(pk=round_.pk, **fields)


def test_a_person_limit_within_the_maximum_is_accepted(fund):
    round_ = a_round(fund, persons_allowed=True, person_max=Decimal("750"))
    assert round_.person_max == Decimal("750")
    refused(pk=round_.pk, person_max=Decimal("2500.01"))


def test_the_admin_records_who_granted_a_fund_manager(fund, client, owner):
    lsa = User.objects.create_superuser("lsa@example.org", "x")
    client.force_login(lsa)
    response = client.post(
        f"/beheer/funding/fund/{fund.pk}/change/",
        {
            "name": fund.name,
            "slug": fund.slug,
            "funder": fund.funder,
            "description": "",
            "regulation": "",
            "website": "",
            "is_active": "on",
            "manager_grants-TOTAL_FORMS": "1",
            "manager_grants-INITIAL_FORMS": "0",
            "manager_grants-0-user": str(owner.pk),
            "rounds-TOTAL_FORMS": "0",
            "rounds-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = FundManager.objects.get(fund=fund)
    assert (grant.user, grant.granted_by) == (owner, lsa)
    assert list(owner.managed_funds.all()) == [fund]
    assert not owner.is_staff  # a fund manager is never staff by the grant


def test_lsa_staff_administer_funds_and_read_applications_but_do_not_decide(client, owner):
    """The group "LSA-medewerkers" grants fund managers in /beheer/ (migration 0003); the
    applications there are read-only for everyone."""
    staff = lsa_staff()
    assert staff.has_perm("funding.change_fund") and staff.has_perm("funding.add_fundmanager")
    assert staff.has_perm("funding.view_application")
    assert not staff.has_perm("funding.change_application")
    client.force_login(staff)
    assert client.get("/beheer/funding/fund/").status_code == 200
    assert client.get("/beheer/funding/application/").status_code == 200
    assert client.get("/beheer/funding/application/add/").status_code == 403
