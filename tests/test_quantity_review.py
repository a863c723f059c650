"""The review queue of plausibility flags (R11): LSA staff accept or reject a monthly quantity
above the current version's plausible maximum, or ask the owners to check it."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from impact.models import HandprintResult, Indicator, IndicatorQuantity
from impact.scoring import month_add
from impact.selectors import indicator_quantities_held
from impact.services import (
    handprint_inputs_changed,
    handprint_recompute,
    indicator_quantity_ask_owners,
    indicator_quantity_review,
)
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:impact_indicatorquantity_changelist"


def _quantity(initiative, quantity: int) -> IndicatorQuantity:
    # meals_served: plausible maximum 10 000 a month in 2027.1
    return IndicatorQuantity.objects.create(
        initiative=initiative,
        indicator=Indicator.objects.get(code="meals_served"),
        month=month_add(datetime.date.today().replace(day=1), -1),
        quantity=Decimal(quantity),
    )


@pytest.fixture
def held(initiative):
    """A figure of `initiative` (owned by `owner`, conftest) held above the maximum."""
    initiative.goal_links.create(goal_id=2, position=1)
    return _quantity(initiative, 25_000)


def _counted(initiative) -> tuple[list[str], int]:
    """The meals counted in the rolling year of 2027.1, and how many figures are held."""
    result = HandprintResult.objects.get(
        initiative=initiative, period_kind="rolling12", version__code="2027.1"
    )
    meals = [line["quantity"] for line in result.lines if line["indicator"] == "meals_served"]
    return meals, result.held_for_review


def test_the_queue_lists_a_held_figure_and_not_a_normal_one(held):
    normal = _quantity(InitiativeFactory(published=True), 120)
    queue = list(indicator_quantities_held())
    assert [row.pk for row in queue] == [held.pk]
    assert queue[0].plausibility_max == Decimal(10_000)
    assert normal.pk not in [row.pk for row in queue]


def test_the_admin_queue_shows_the_held_figure_with_its_maximum(client, staff, held, initiative):
    _quantity(InitiativeFactory(published=True, name="Repair Café Oost"), 120)
    client.force_login(staff)
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert initiative.name in html
    assert "25000" in html.replace(".", "").replace(",", "")
    assert "Repair Café Oost" not in html


def test_an_accepted_figure_counts_at_the_next_recompute(settings, staff, held, initiative):
    settings.HANDPRINT_QUIET_SECONDS = 0
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    assert _counted(initiative) == ([], 1)

    indicator_quantity_review(quantity_ids=[held.pk], decision="accepted", user=staff)

    held.refresh_from_db()
    assert (held.review, held.reviewed_by) == ("accepted", staff)
    assert held.reviewed_at is not None
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    assert _counted(initiative) == (["25000.00"], 0)
    assert not indicator_quantities_held().exists()


def test_a_rejected_figure_never_counts(settings, staff, held, initiative):
    settings.HANDPRINT_QUIET_SECONDS = 0
    indicator_quantity_review(quantity_ids=[held.pk], decision="rejected", user=staff)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    assert _counted(initiative) == ([], 0)
    assert not indicator_quantities_held().exists()


def test_someone_who_cannot_moderate_cannot_review(held, owner):
    with pytest.raises(PermissionDenied):
        indicator_quantity_review(quantity_ids=[held.pk], decision="accepted", user=owner)
    staff_only = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        indicator_quantity_review(quantity_ids=[held.pk], decision="rejected", user=staff_only)
    held.refresh_from_db()
    assert held.review == ""


def test_staff_without_the_lsa_group_get_403_and_anonymous_visitors_a_login(client, held):
    assert client.get(reverse(CHANGELIST)).status_code == 302
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse(CHANGELIST)).status_code == 403
    response = client.post(reverse(CHANGELIST), {"action": "accept", "_selected_action": [held.pk]})
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.review == ""


def test_staff_accept_through_the_admin_action(client, staff, held):
    client.force_login(staff)
    response = client.post(reverse(CHANGELIST), {"action": "accept", "_selected_action": [held.pk]})
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.review, held.reviewed_by) == ("accepted", staff)


def test_asking_the_owner_queues_one_mail_and_keeps_the_figure_held(
    client, staff, held, owner, initiative
):
    client.force_login(staff)
    mail.outbox.clear()
    response = client.post(
        reverse(CHANGELIST), {"action": "ask_owners", "_selected_action": [held.pk]}
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert message.reply_to == [staff.email]
    assert initiative.name in message.body
    assert "25000" in message.body
    held.refresh_from_db()
    assert held.review == ""
    assert list(indicator_quantities_held()) == [held]


def test_only_moderators_ask_the_owners(held, owner):
    mail.outbox.clear()
    with pytest.raises(PermissionDenied):
        indicator_quantity_ask_owners(quantity_ids=[held.pk], user=owner)
    assert mail.outbox == []
