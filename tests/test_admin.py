import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from tests.shared_data import shared_cbs_places_fixture

# The CBS places are written once for the module (tests/shared_data.py), on one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("admin")]
_shared_cbs_places, cbs_places = shared_cbs_places_fixture()


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("lsa@example.org", "x"))
    return client


def test_beheer_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/beheer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/beheer/login/")


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_every_admin_list_and_add_page_opens(staff_client, cbs_places, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert staff_client.get(changelist).status_code == 200
    add = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)


def test_staff_can_add_a_user_by_email(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nieuw@Example.org",
            "usable_password": "true",
            "password1": "een heel lang wachtwoord 42",
            "password2": "een heel lang wachtwoord 42",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="nieuw@example.org").exists()
