import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_is_stored_lowercase():
    user = User.objects.create_user("Anna.de.Vries@Example.ORG", "een lang wachtwoord 123")
    assert user.email == "anna.de.vries@example.org"
    assert authenticate(email="anna.de.vries@example.org", password="een lang wachtwoord 123")


def test_the_same_address_in_other_capitals_is_refused_by_the_database():
    User.objects.create_user("piet@example.org", "x")
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="PIET@example.org")])


def test_superuser_is_staff():
    admin = User.objects.create_superuser("lsa@example.org", "x")
    assert admin.is_staff and admin.is_superuser
