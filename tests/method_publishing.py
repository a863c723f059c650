"""Publishing a method version as LSA staff do it: one staff member requests publication, a
second one approves (four eyes). For the tests of what publishing checks and does."""

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import User
from impact.method_admin import method_version_approve, method_version_request_publication
from impact.models import MethodVersion
from tests.member_factories import lsa_staff


def publish_with_four_eyes(version: MethodVersion) -> MethodVersion:
    """Requested by one staff member and approved by a second one; refused (ValidationError)
    at the request when the version has problems."""
    method_version_request_publication(version=version, user=method_keeper())
    return method_version_approve(version=version, user=method_keeper())


def method_keeper(**fields: object) -> User:
    """An LSA staff member who may change method versions."""
    user = lsa_staff(**fields)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="impact",
            codename__in=["view_methodversion", "change_methodversion"],
        )
    )
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def admin_action(client: Client, action: str, version: MethodVersion):  # noqa: ANN201
    return client.post(
        reverse("admin:impact_methodversion_changelist"),
        {"action": action, "_selected_action": [version.pk]},
        follow=True,
    )


def publish_in_the_admin(client: Client, version: MethodVersion):  # noqa: ANN201
    """The logged-in staff member requests publication in the admin; when that succeeds, a
    second superuser approves. The response of the last step."""
    response = admin_action(client, "request_publication", version)
    if MethodVersion.objects.get(pk=version.pk).publication_requested_by_id is None:
        return response
    second = Client()
    second.force_login(User.objects.create_superuser("lsa-tweede@example.org", "x"))
    return admin_action(second, "approve_and_publish", version)
