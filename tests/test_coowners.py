"""Co-owners: an owner invites an e-mail address; the user with that address accepts once."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from initiatives.models import InitiativeEvent, OwnerInvitation, Ownership
from initiatives.permissions import can_edit
from initiatives.services import owner_invitation_accept, owner_invite
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

INVITEE_EMAIL = "sanne.jansen@example.org"


@pytest.fixture
def invitee():
    return UserFactory(email=INVITEE_EMAIL)


@pytest.fixture
def invitation(initiative, owner):
    invitation = owner_invite(initiative=initiative, inviter=owner, email=INVITEE_EMAIL)
    mail.outbox.clear()
    return invitation


def accept_url(token: str) -> str:
    return reverse("owner_invitation_accept", args=[token])


# --- The services ---------------------------------------------------------------------------


def test_an_invitation_mails_a_link_with_its_token_to_the_invited_address(initiative, owner):
    # When
    invitation = owner_invite(initiative=initiative, inviter=owner, email=INVITEE_EMAIL)

    # Then
    [message] = mail.outbox
    assert message.to == [INVITEE_EMAIL]
    assert f"{settings.SITE_URL}{accept_url(invitation.token)}" in message.body
    assert len(invitation.token) >= 32


def test_an_invitation_stores_the_address_in_lower_case(initiative, owner):
    # When
    invitation = owner_invite(
        initiative=initiative, inviter=owner, email=" Sanne.Jansen@Example.ORG "
    )

    # Then
    assert OwnerInvitation.objects.get().email == INVITEE_EMAIL
    assert invitation.invited_by == owner
    assert invitation.accepted_at is None


def test_the_invitation_subject_shows_the_initiative_name_unescaped(owner):
    # Given
    initiative = InitiativeFactory(published=True, owner=owner, name="Buurthuis 't Hoekje")

    # When
    owner_invite(initiative=initiative, inviter=owner, email=INVITEE_EMAIL)

    # Then
    [message] = mail.outbox
    assert message.subject == (
        "[Buurtbeurs] Uitnodiging: word mede-eigenaar van Buurthuis 't Hoekje"
    )


def test_accepting_makes_the_invited_user_co_owner(invitation, invitee, initiative):
    # When
    accepted = owner_invitation_accept(token=invitation.token, user=invitee)

    # Then
    assert accepted == initiative
    ownership = Ownership.objects.get(initiative=initiative, user=invitee)
    assert ownership.role == Ownership.Role.CO_OWNER
    assert can_edit(invitee, initiative) is True


def test_accepting_marks_the_invitation_used_and_records_it_in_the_history(
    invitation, invitee, initiative
):
    # When
    owner_invitation_accept(token=invitation.token, user=invitee)

    # Then
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    event = initiative.events.get(action=InitiativeEvent.Action.OWNER_ADDED)
    assert event.actor == invitee


def test_the_invited_address_matches_regardless_of_case(initiative, owner, invitee):
    # Given
    invitation = owner_invite(
        initiative=initiative, inviter=owner, email="Sanne.Jansen@EXAMPLE.org"
    )

    # When
    owner_invitation_accept(token=invitation.token, user=invitee)

    # Then
    assert can_edit(invitee, initiative) is True


def test_a_user_with_another_address_cannot_accept(invitation, initiative):
    # Given
    someone_else = UserFactory(email="iemand.anders@example.org")

    # When
    with pytest.raises(ValidationError):
        owner_invitation_accept(token=invitation.token, user=someone_else)

    # Then
    assert can_edit(someone_else, initiative) is False
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_used_invitation_cannot_be_accepted_again(invitation, invitee, initiative):
    # Given
    owner_invitation_accept(token=invitation.token, user=invitee)

    # When / then
    with pytest.raises(ValidationError):
        owner_invitation_accept(token=invitation.token, user=invitee)
    assert initiative.ownerships.filter(user=invitee).count() == 1


def test_an_unknown_token_is_refused(invitee):
    # When / then
    with pytest.raises(ValidationError):
        owner_invitation_accept(token="niet-bestaand", user=invitee)
    assert not Ownership.objects.filter(user=invitee).exists()


def test_inviting_the_same_address_again_replaces_the_earlier_link(
    invitation, initiative, owner, invitee
):
    # Given
    old_token = invitation.token

    # When
    renewed = owner_invite(initiative=initiative, inviter=owner, email=INVITEE_EMAIL)

    # Then
    assert OwnerInvitation.objects.get().token == renewed.token != old_token
    with pytest.raises(ValidationError):
        owner_invitation_accept(token=old_token, user=invitee)


def test_inviting_someone_who_is_already_an_owner_is_refused_on_the_email_field(initiative, owner):
    # Given
    co_owner = UserFactory(email="al.eigenaar@example.org")
    initiative.ownerships.create(user=co_owner, role=Ownership.Role.CO_OWNER)

    # When
    with pytest.raises(ValidationError) as error:
        owner_invite(initiative=initiative, inviter=owner, email="Al.Eigenaar@example.org")

    # Then
    assert set(error.value.message_dict) == {"email"}
    assert not OwnerInvitation.objects.exists()
    assert mail.outbox == []


def test_someone_who_is_not_an_owner_cannot_invite(initiative):
    # When / then
    with pytest.raises(PermissionDenied):
        owner_invite(initiative=initiative, inviter=UserFactory(), email=INVITEE_EMAIL)
    assert not OwnerInvitation.objects.exists()
    assert mail.outbox == []


# --- The pages ------------------------------------------------------------------------------


def test_the_owners_page_invites_an_address_and_redirects_to_the_profile(client, initiative, owner):
    # Given
    client.force_login(owner)

    # When
    response = client.post(
        reverse("owner_invite", args=[initiative.slug]), {"email": INVITEE_EMAIL}
    )

    # Then
    assert response.status_code == 302
    assert response.url == initiative.get_absolute_url()
    invitation = OwnerInvitation.objects.get(initiative=initiative)
    [message] = mail.outbox
    assert message.to == [INVITEE_EMAIL]
    assert accept_url(invitation.token) in message.body


def test_the_owners_page_does_not_invite_an_invalid_address(client, initiative, owner):
    # Given
    client.force_login(owner)

    # When
    response = client.post(reverse("owner_invite", args=[initiative.slug]), {"email": "geen-adres"})

    # Then
    assert response.status_code == 302
    assert not OwnerInvitation.objects.exists()
    assert mail.outbox == []


def test_the_owners_page_does_not_invite_an_existing_owner(client, initiative, owner):
    # Given
    client.force_login(owner)

    # When
    client.post(reverse("owner_invite", args=[initiative.slug]), {"email": owner.email.upper()})

    # Then
    assert not OwnerInvitation.objects.exists()
    assert mail.outbox == []


def test_someone_who_is_not_an_owner_gets_403_on_the_owners_page(client, initiative):
    # Given
    client.force_login(UserFactory())

    # When
    response = client.post(
        reverse("owner_invite", args=[initiative.slug]), {"email": INVITEE_EMAIL}
    )

    # Then
    assert response.status_code == 403
    assert not OwnerInvitation.objects.exists()


def test_the_invitation_page_shows_an_accept_button(client, invitation, invitee):
    # Given
    client.force_login(invitee)

    # When
    response = client.get(accept_url(invitation.token))

    # Then
    assert response.status_code == 200
    assert '<button type="submit">' in response.content.decode()
    assert not Ownership.objects.filter(user=invitee).exists()


def test_the_invitation_page_asks_anonymous_visitors_to_log_in(client, invitation):
    # When
    response = client.get(accept_url(invitation.token))

    # Then
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_accepting_on_the_invitation_page_makes_the_user_co_owner(
    client, invitation, invitee, initiative
):
    # Given
    client.force_login(invitee)

    # When
    response = client.post(accept_url(invitation.token))

    # Then
    assert response.status_code == 302
    assert response.url == initiative.get_absolute_url()
    assert can_edit(invitee, initiative) is True


def test_the_invitation_page_shows_the_refusal_for_another_address(client, invitation, initiative):
    # Given
    someone_else = UserFactory(email="iemand.anders@example.org")
    client.force_login(someone_else)

    # When
    response = client.post(accept_url(invitation.token))

    # Then
    assert response.status_code == 200
    assert len(response.context["errors"]) == 1
    assert 'class="error-summary" role="alert"' in response.content.decode()
    assert can_edit(someone_else, initiative) is False


def test_the_invitation_page_refuses_a_used_invitation(client, invitation, invitee):
    # Given
    client.force_login(invitee)
    client.post(accept_url(invitation.token))

    # When
    response = client.post(accept_url(invitation.token))

    # Then
    assert response.status_code == 200
    assert len(response.context["errors"]) == 1
    assert Ownership.objects.filter(user=invitee).count() == 1
