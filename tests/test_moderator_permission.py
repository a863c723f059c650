"""Moderation and contact access follow the permission "initiatives.moderate_initiative", held
through the group "LSA-medewerkers" (or directly, or as superuser) — never `is_staff` alone.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client

from accounts.models import User
from initiatives import permissions, services
from initiatives.demo import LOGINS, demo_seed
from initiatives.models import Initiative, InitiativeEvent
from members.demo import members_demo_seed
from tests.factories import InitiativeFactory, UserFactory
from tests.member_factories import lsa_staff

pytestmark = pytest.mark.django_db

CONTACT_PHONE = "+31 6 9876 5432"


@pytest.fixture
def submitted(owner):
    return InitiativeFactory(submitted=True, owner=owner, contact_phone=CONTACT_PHONE)


@pytest.fixture
def published(owner):
    return InitiativeFactory(published=True, owner=owner, contact_phone=CONTACT_PHONE)


def _moderate_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="initiatives", codename="moderate_initiative"
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_lsa_group_holds_the_moderation_permission():
    group = Group.objects.get(name="LSA-medewerkers")

    assert group.permissions.filter(
        content_type__app_label="initiatives", codename="moderate_initiative"
    ).exists()


def test_staff_without_the_lsa_group_is_no_moderator():
    assert not permissions.is_moderator(UserFactory(is_staff=True))


def test_staff_in_the_lsa_group_and_superusers_are_moderators():
    assert permissions.is_moderator(lsa_staff())
    assert permissions.is_moderator(UserFactory(is_staff=True, is_superuser=True))


def test_staff_with_the_permission_given_directly_is_a_moderator():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="initiatives", codename="moderate_initiative"
        )
    )

    assert permissions.is_moderator(user)
    assert permissions.MODERATE_PERMISSION == "initiatives.moderate_initiative"


def test_a_permission_holder_without_staff_status_is_no_moderator():
    # Staff status is what puts an account under the MFA obligation (accounts.permissions):
    # nobody reads other people's contact details without it.
    user = UserFactory()
    user.groups.add(Group.objects.get(name="LSA-medewerkers"))

    assert not permissions.is_moderator(user)


def test_staff_without_the_lsa_group_does_not_see_drafts_or_the_queue(submitted):
    client = _client(UserFactory(is_staff=True))

    assert client.get(submitted.get_absolute_url()).status_code == 404
    assert client.get("/moderatie/").status_code == 403
    assert client.get(f"/api/v1/initiatives/{submitted.slug}/").status_code == 404


def test_staff_without_the_lsa_group_does_not_see_contact_details(published):
    client = _client(UserFactory(is_staff=True))

    page = client.get(published.get_absolute_url())

    assert page.status_code == 200
    assert CONTACT_PHONE not in page.content.decode()
    assert 'id="staff-title"' not in page.content.decode()


def test_staff_without_the_lsa_group_cannot_publish_or_archive(submitted, published):
    client = _client(UserFactory(is_staff=True))

    publish = client.post(f"/moderatie/{submitted.slug}/publiceren/")
    archive = client.post(f"/initiatieven/{published.slug}/archiveren/")

    assert (publish.status_code, archive.status_code) == (403, 403)
    submitted.refresh_from_db()
    published.refresh_from_db()
    assert submitted.status == Initiative.Status.SUBMITTED
    assert published.status == Initiative.Status.PUBLISHED


def test_staff_without_the_lsa_group_does_not_read_monthly_figures(published):
    client = _client(UserFactory(is_staff=True))

    response = client.get(f"/api/v1/initiatives/{published.slug}/activity/")

    assert response.status_code == 403


def test_staff_in_the_lsa_group_sees_drafts_contacts_and_the_queue(submitted):
    client = _client(lsa_staff())

    page = client.get(submitted.get_absolute_url())

    assert page.status_code == 200
    assert CONTACT_PHONE in page.content.decode()
    assert 'id="staff-title"' in page.content.decode()
    assert submitted.name in client.get("/moderatie/").content.decode()


def test_staff_in_the_lsa_group_publishes(submitted):
    client = _client(lsa_staff())

    response = client.post(f"/moderatie/{submitted.slug}/publiceren/")

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Initiative.Status.PUBLISHED
    assert submitted.events.filter(action=InitiativeEvent.Action.PUBLISHED).exists()


def test_the_moderation_link_shows_only_for_moderators():
    plain = _client(UserFactory(is_staff=True)).get("/").content.decode()
    moderator = _client(lsa_staff()).get("/").content.decode()

    assert 'href="/moderatie/"' not in plain
    assert 'href="/moderatie/"' in moderator


def test_submissions_are_mailed_to_moderators_only(settings, owner):
    # Given plain staff, a moderator through the group and a direct permission holder
    settings.STAFF_NOTIFY_EMAILS = []
    UserFactory(email="staf-zonder-groep@example.org", is_staff=True)
    lsa_staff(email="moderator@example.org")
    direct = UserFactory(email="direct@example.org", is_staff=True)
    direct.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="initiatives", codename="moderate_initiative"
        )
    )
    lsa_staff(email="vertrokken@example.org", is_active=False)
    initiative = InitiativeFactory(owner=owner)
    initiative.goal_links.create(goal_id=11, position=1)
    mail.outbox.clear()

    # When the owner submits
    services.initiative_submit(initiative=initiative, user=owner)

    # Then only the active moderators are told
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "direct@example.org",
        "moderator@example.org",
    ]


def test_the_demo_staff_login_moderates_through_the_lsa_group(cbs_places):
    # Given the demo logins of `make run`
    demo_seed(count=2, months=1)
    members_demo_seed()
    staff = User.objects.get(email=LOGINS["staff"])

    # Then the LSA login moderates, and would as plain staff too: it is in the group
    assert permissions.is_moderator(staff)
    assert staff.groups.filter(name="LSA-medewerkers").exists()
    staff.is_superuser = False
    staff.save()
    assert permissions.is_moderator(User.objects.get(pk=staff.pk))
