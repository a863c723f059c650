"""Four eyes on a method version: one LSA staff member asks for publication, a second one
approves and publishes. Both steps are in the version's admin history, with who and when."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from impact.method_admin import (
    method_version_approve,
    method_version_copy,
    method_version_request_publication,
)
from impact.models import MethodVersion
from privacy.services import person_erase, person_erase_refused
from tests.admin_forms import rendered_form_data
from tests.member_factories import lsa_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    draft = method_version_copy(version=MethodVersion.objects.get(code="2027.1"), user=None)
    draft.code = "2028.1"
    draft.save()
    return draft


def _method_keeper(**fields: object):  # noqa: ANN202
    """An LSA staff member who may keep method versions in the admin."""
    user = lsa_staff(**fields)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="impact",
            codename__in=["view_methodversion", "change_methodversion"],
        )
    )
    return user


@pytest.fixture
def ann():
    return _method_keeper(full_name="Ann van LSA", email="ann@lsa.example.org")


@pytest.fixture
def bob():
    return _method_keeper(full_name="Bob van LSA", email="bob@lsa.example.org")


def _history(version: MethodVersion) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(MethodVersion),
            object_id=str(version.pk),
        ).order_by("action_time", "pk")
    )


def test_one_staff_member_cannot_publish_alone(draft, ann):
    method_version_request_publication(version=draft, user=ann)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        method_version_approve(version=draft, user=ann)

    assert refused.value.code == "four_eyes"
    assert "a second staff member must approve" in refused.value.messages[0]
    draft.refresh_from_db()
    assert draft.published_at is None
    assert draft.approved_by is None
    assert draft.publication_requested_by == ann


def test_a_second_staff_member_approves_and_publishes(draft, ann, bob):
    method_version_request_publication(version=draft, user=ann)
    method_version_approve(version=draft, user=bob)

    draft.refresh_from_db()
    assert draft.is_published
    assert draft.publication_requested_by == ann and draft.publication_requested_at
    assert draft.approved_by == bob and draft.approved_at == draft.published_at
    asked, approved = _history(draft)
    assert (asked.user, approved.user) == (ann, bob)
    assert asked.action_time <= approved.action_time
    assert asked.get_change_message() and approved.get_change_message()
    assert asked.get_change_message() != approved.get_change_message()


def test_approval_needs_a_request_first(draft, bob):
    with pytest.raises(ValidationError) as refused:
        method_version_approve(version=draft, user=bob)

    assert refused.value.code == "not_requested"
    draft.refresh_from_db()
    assert draft.published_at is None


def test_a_version_with_problems_cannot_be_requested(ann):
    draft = method_version_copy(version=MethodVersion.objects.get(code="2027.1"), user=None)

    with pytest.raises(ValidationError, match="concept"):
        method_version_request_publication(version=draft, user=ann)

    draft.refresh_from_db()
    assert draft.publication_requested_by is None
    assert _history(draft) == []


def _action(client, user, action: str, version: MethodVersion):  # noqa: ANN001
    client.force_login(user)
    return client.post(
        reverse("admin:impact_methodversion_changelist"),
        {"action": action, "_selected_action": [version.pk]},
        follow=True,
    )


def test_the_admin_asks_then_a_colleague_approves_and_the_history_shows_both(
    client, draft, ann, bob
):
    asked = _action(client, ann, "request_publication", draft)
    assert [m.level_tag for m in asked.context["messages"]] == ["success"]

    alone = _action(client, ann, "approve_and_publish", draft)
    assert alone.status_code == 200
    assert [m.level_tag for m in alone.context["messages"]] == ["error"]
    draft.refresh_from_db()
    assert draft.published_at is None

    approved = _action(client, bob, "approve_and_publish", draft)
    assert [m.level_tag for m in approved.context["messages"]] == ["success"]
    draft.refresh_from_db()
    assert draft.is_published

    history = client.get(reverse("admin:impact_methodversion_history", args=[draft.pk]))
    assert history.status_code == 200
    html = history.content.decode()
    assert "Ann van LSA" in html or "ann@lsa.example.org" in html
    assert "Bob van LSA" in html or "bob@lsa.example.org" in html
    assert [entry.user for entry in _history(draft)] == [ann, bob]


def test_the_admin_says_why_a_request_is_refused(client, ann):
    draft = method_version_copy(version=MethodVersion.objects.get(code="2027.1"), user=None)

    response = _action(client, ann, "request_publication", draft)

    assert response.status_code == 200
    [message] = response.context["messages"]
    assert message.level_tag == "error" and "concept" in message.message


def test_a_former_staff_member_named_in_the_audit_trail_is_not_erased_but_told_why(draft, ann, bob):
    method_version_request_publication(version=draft, user=ann)
    method_version_approve(version=draft, user=bob)
    User.objects.filter(pk__in=[ann.pk, bob.pk]).update(is_staff=False)

    for user in (ann, bob):
        user.refresh_from_db()
        assert person_erase_refused(user)
        with pytest.raises(ValidationError):
            person_erase(user=user)
    assert User.objects.filter(pk__in=[ann.pk, bob.pk]).count() == 2


def test_an_edit_after_the_request_withdraws_it_so_nobody_approves_their_own_edits(
    client, draft, ann, bob
):
    # Given ann asked for publication
    method_version_request_publication(version=draft, user=ann)
    # When bob then edits the draft in the admin
    client.force_login(bob)
    url = reverse("admin:impact_methodversion_change", args=[draft.pk])
    form = rendered_form_data(client.get(url).content.decode())
    form["name"] = ["Social Handprint-methode 2028.1 (bruto), bijgewerkt"]
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Then the request is withdrawn: bob cannot approve what he just changed
    draft.refresh_from_db()
    assert draft.publication_requested_by is None
    with pytest.raises(ValidationError) as refused:
        method_version_approve(version=draft, user=bob)
    assert refused.value.code == "not_requested"


def test_staff_who_may_not_change_method_versions_can_neither_ask_nor_approve(draft, ann):
    plain_staff = lsa_staff(email="zonder-rechten@lsa.example.org")
    with pytest.raises(PermissionDenied):
        method_version_request_publication(version=draft, user=plain_staff)
    method_version_request_publication(version=draft, user=ann)
    with pytest.raises(PermissionDenied):
        method_version_approve(version=draft, user=plain_staff)
    draft.refresh_from_db()
    assert draft.published_at is None
