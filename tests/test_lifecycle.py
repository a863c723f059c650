import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from initiatives import services
from initiatives.models import Initiative, InitiativeEvent, InitiativeGoal
from tests.factories import InitiativeFactory, MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    return UserFactory(email="initiatiefnemer@example.org")


def _create(user, name="Buurthuis De Linde", goals=(11,)):
    return services.initiative_create(
        user=user,
        fields={
            "name": name,
            "summary": "Koffie en ontmoeting",
            "kind": "community_centre",
            "municipality": MunicipalityFactory(),
        },
        goals=list(goals),
    )


def test_slugs_are_unique_and_stable_when_the_name_changes(resident):
    first = _create(resident)
    second = _create(resident)
    assert (first.slug, second.slug) == ("buurthuis-de-linde", "buurthuis-de-linde-2")
    services.initiative_update(initiative=first, user=resident, fields={"name": "De Linde"})
    first.refresh_from_db()
    assert (first.name, first.slug) == ("De Linde", "buurthuis-de-linde")


def test_submitting_needs_a_primary_sdg(resident):
    initiative = _create(resident, goals=())
    with pytest.raises(ValidationError) as error:
        services.initiative_submit(initiative=initiative, user=resident)
    assert "goals" in error.value.message_dict
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.DRAFT


def test_staff_return_needs_a_reason_and_mails_it_to_the_owners(resident, staff):
    initiative = _create(resident)
    services.initiative_submit(initiative=initiative, user=resident)
    with pytest.raises(ValidationError):
        services.initiative_return(initiative=initiative, staff=staff, reason="  ")
    mail.outbox.clear()
    services.initiative_return(initiative=initiative, staff=staff, reason="Vul een wijk in.")
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.DRAFT
    assert initiative.return_reason == "Vul een wijk in."
    [message] = mail.outbox
    assert message.to == ["initiatiefnemer@example.org"]
    assert "Vul een wijk in." in message.body


def test_publish_only_from_submitted(resident, staff):
    initiative = _create(resident)
    with pytest.raises(ValidationError):
        services.initiative_publish(initiative=initiative, staff=staff)
    services.initiative_submit(initiative=initiative, user=resident)
    services.initiative_publish(initiative=initiative, staff=staff)
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    assert initiative.published_at is not None


def test_a_resident_cannot_publish_their_own_initiative(resident):
    initiative = _create(resident)
    services.initiative_submit(initiative=initiative, user=resident)
    with pytest.raises(PermissionDenied):
        services.initiative_publish(initiative=initiative, staff=resident)


def test_edits_to_a_published_initiative_go_live_and_notify_staff(resident, staff):
    initiative = InitiativeFactory(published=True, owner=resident)
    mail.outbox.clear()
    services.initiative_update(
        initiative=initiative, user=resident, fields={"summary": "Nu ook op zondag open"}
    )
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    assert initiative.summary == "Nu ook op zondag open"
    assert [m.to for m in mail.outbox] == [["lsa@example.org"]]
    assert initiative.events.filter(action=InitiativeEvent.Action.EDITED).count() == 1


def test_unpublish_takes_it_offline_with_a_reason(resident, staff):
    initiative = InitiativeFactory(published=True, owner=resident)
    services.initiative_unpublish(initiative=initiative, staff=staff, reason="Geen bewoners")
    initiative.refresh_from_db()
    assert (initiative.status, initiative.return_reason) == ("draft", "Geen bewoners")
    event = initiative.events.first()
    assert (event.action, event.actor, event.reason) == ("unpublished", staff, "Geen bewoners")


def test_archived_initiatives_leave_the_published_set(resident):
    initiative = InitiativeFactory(published=True, owner=resident)
    services.initiative_archive(initiative=initiative, user=resident)
    assert not Initiative.objects.published().filter(pk=initiative.pk).exists()
    assert Initiative.objects.publicly_visible().filter(pk=initiative.pk).exists()


@pytest.mark.parametrize(
    ("goals", "field"),
    [([11, 11], "goals"), ([1, 2, 3, 4, 5, 6], "goals"), ([18], "goals"), ([0], "goals")],
)
def test_invalid_sdg_selections_are_refused_with_a_message(resident, goals, field):
    with pytest.raises(ValidationError) as error:
        _create(resident, goals=goals)
    assert field in error.value.message_dict
    assert not Initiative.objects.exists()  # nothing half-saved


def test_the_database_refuses_a_sixth_sdg_and_duplicates(resident):
    initiative = _create(resident, goals=[1, 2, 3, 4, 5])
    with pytest.raises(IntegrityError), transaction.atomic():
        InitiativeGoal.objects.create(initiative=initiative, goal_id=6, position=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        InitiativeGoal.objects.create(initiative=initiative, goal_id=1, position=5)


def test_bad_form_input_gets_dutch_messages_per_field_and_saves_nothing(client, resident):
    client.force_login(resident)
    response = client.post(
        "/initiatieven/nieuw/",
        {
            "name": "",
            "summary": "x",
            "kind": "geen-soort",
            "municipality": "GM9999",
            "postcode": "12345",
            "founded_year": "1700",
            "website": "geen adres met spaties",
            "primary_goal": "11",
            "other_goals": ["1", "2", "3", "4", "5"],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Naam: Dit veld is vereist." in html
    assert "geen Nederlandse postcode" in html
    assert "Kies maximaal vier andere SDG" in html or "maximaal vier" in html
    assert 'class="error-summary"' in html
    assert html.count('aria-invalid="true"') >= 5
    assert not Initiative.objects.exists()
