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


@pytest.fixture
def verified_user():
    from allauth.account.models import EmailAddress
    from django.core.cache import cache

    cache.clear()
    user = User.objects.create_user("anna@example.org", "een lang wachtwoord 123")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_login_by_email_and_password(client, verified_user):
    response = client.post(
        "/accounts/login/", {"login": "Anna@Example.org", "password": "een lang wachtwoord 123"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/mijn/"


def test_repeated_failed_logins_are_stopped_with_a_clear_message(client, verified_user):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "anna@example.org", "password": "x"})
        assert response.status_code == 200
    # Even the right password is refused for a while now.
    response = client.post(
        "/accounts/login/", {"login": "anna@example.org", "password": "een lang wachtwoord 123"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Te veel inlogpogingen. Probeer het later nogmaals." in html
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link_that_sets_a_new_password(client, verified_user):
    from django.core import mail

    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": "anna@example.org"})
    [message] = mail.outbox
    path = next(
        word for word in message.body.split() if "/accounts/password/reset/key/" in word
    ).split("testserver")[-1]
    response = client.get(path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else path
    response = client.post(
        form_path,
        {"password1": "nog een lang wachtwoord 456", "password2": "nog een lang wachtwoord 456"},
    )
    assert response.status_code == 302
    verified_user.refresh_from_db()
    assert verified_user.check_password("nog een lang wachtwoord 456")


def test_sign_up_pages_are_dutch(client):
    html = client.get("/accounts/signup/").content.decode()
    assert 'lang="nl"' in html
    assert "Wachtwoord" in html
    assert html.count("<main") == 1
