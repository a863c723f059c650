"""Every write to an initiative in /beheer/ goes through the services: the status changes only
through admin actions that call them (published_at, the event, the stale marks, the mails), and
neither the status field nor the SDG selection can be posted past them."""

import pytest
from django.core import mail
from django.urls import reverse

from impact.models import AreaState, HandprintState
from initiatives.models import Initiative, InitiativeEvent, InitiativeGoal
from tests.admin_forms import rendered_form_data
from tests.factories import InitiativeFactory, UserFactory
from tests.member_factories import lsa_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/beheer/initiatives/initiative/"


@pytest.fixture
def staff_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(lsa_staff(is_superuser=True))
    return client


def _areas_stale() -> bool:
    state = AreaState.objects.filter(pk=1).first()
    return state is not None and state.inputs_version > state.computed_version


def _action(client, action: str, *initiatives: Initiative, **extra: str):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [i.pk for i in initiatives], **extra},
    )


def test_publishing_in_the_admin_sets_published_at_records_the_event_and_marks_areas_stale(
    staff_client,
):
    # Given a submitted initiative with an owner
    owner = UserFactory(email="eigenaar@example.org")
    initiative = InitiativeFactory(submitted=True, owner=owner)
    mail.outbox.clear()

    # When staff publish it with the admin action
    response = _action(staff_client, "publish", initiative)

    # Then it is published the way /moderatie/ does it
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    assert initiative.published_at is not None
    assert initiative.events.filter(action=InitiativeEvent.Action.PUBLISHED).count() == 1
    assert _areas_stale()
    assert [m.to for m in mail.outbox] == [["eigenaar@example.org"]]


def test_the_publish_action_refuses_what_is_not_submitted_and_says_why(staff_client):
    draft = InitiativeFactory()

    response = _action(staff_client, "publish", draft)

    draft.refresh_from_db()
    assert draft.status == Initiative.Status.DRAFT
    assert not draft.events.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("refused" in m for m in messages), messages


def test_sending_back_in_the_admin_asks_a_reason_and_mails_it(staff_client):
    # Given a submitted and a published initiative
    owner = UserFactory(email="eigenaar@example.org")
    submitted = InitiativeFactory(submitted=True, owner=owner)
    published = InitiativeFactory(published=True, owner=owner)

    # When staff choose "send back", the admin first asks for the reason
    question = _action(staff_client, "send_back", submitted, published)
    assert question.status_code == 200
    assert 'name="reason"' in question.content.decode()
    mail.outbox.clear()
    answer = _action(
        staff_client, "send_back", submitted, published, confirm="1", reason="Vul een wijk in."
    )

    # Then both go back to draft with that reason, as events, and the owners are told
    assert answer.status_code == 302
    for initiative in (submitted, published):
        initiative.refresh_from_db()
        assert (initiative.status, initiative.return_reason) == ("draft", "Vul een wijk in.")
    assert submitted.events.get(action=InitiativeEvent.Action.RETURNED).reason == (
        "Vul een wijk in."
    )
    assert published.events.get(action=InitiativeEvent.Action.UNPUBLISHED).reason == (
        "Vul een wijk in."
    )
    assert published.published_at is None
    assert len(mail.outbox) == 2


def test_archiving_in_the_admin_goes_through_the_service(staff_client):
    initiative = InitiativeFactory(published=True)

    _action(staff_client, "archive", initiative)

    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.ARCHIVED
    assert initiative.archived_at is not None
    assert initiative.events.filter(action=InitiativeEvent.Action.ARCHIVED).exists()
    assert _areas_stale()


def test_a_posted_status_change_is_ignored(staff_client):
    # Given a submitted initiative, and the admin's change form as rendered
    initiative = InitiativeFactory(submitted=True)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = rendered_form_data(staff_client.get(url).content.decode())
    assert "status" not in data

    # When staff post it with a status and a new name
    data["status"] = ["published"]
    data["name"] = ["Buurttuin De Linde"]
    response = staff_client.post(url, data)

    # Then the name is saved, the status is not: publishing is the action's job
    assert response.status_code == 302, response.content.decode()[:2000]
    initiative.refresh_from_db()
    assert initiative.name == "Buurttuin De Linde"
    assert (initiative.status, initiative.published_at) == ("submitted", None)
    assert not initiative.events.filter(action=InitiativeEvent.Action.PUBLISHED).exists()


def test_the_sdg_selection_cannot_be_changed_in_the_admin(staff_client):
    # Given a draft with a primary SDG
    initiative = InitiativeFactory()
    InitiativeGoal.objects.create(initiative=initiative, goal_id=11, position=1)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = rendered_form_data(staff_client.get(url).content.decode())

    # When staff post the form with the goal changed and a goal added
    data.update(
        {
            "goal_links-TOTAL_FORMS": ["2"],
            "goal_links-INITIAL_FORMS": ["1"],
            "goal_links-0-id": [str(initiative.goal_links.get().pk)],
            "goal_links-0-initiative": [str(initiative.pk)],
            "goal_links-0-goal": ["3"],
            "goal_links-0-position": ["1"],
            "goal_links-1-initiative": [str(initiative.pk)],
            "goal_links-1-goal": ["13"],
            "goal_links-1-position": ["2"],
        }
    )
    staff_client.post(url, data)

    # Then the selection is unchanged and no handprint input moved behind the service's back
    assert list(initiative.goal_links.values_list("goal_id", flat=True)) == [11]
    assert not HandprintState.objects.filter(initiative_id=initiative.pk).exists()
