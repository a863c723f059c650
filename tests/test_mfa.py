"""Two-factor authentication (allauth.mfa): an authenticator app, and the rule that staff and
municipal officers must use one when MFA_REQUIRED_FOR_STAFF is on."""

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache

from accounts.models import OfficerGrant
from funding.models import Fund, FundManager
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ACTIVATE = "/accounts/2fa/totp/activate/"


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 by hand (HMAC-SHA1, 30 s, 6 digits): what an authenticator app shows."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture
def resident():
    cache.clear()  # login rate limits and used TOTP codes live in the (database) cache
    user = UserFactory(email="anna@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _login(client, user) -> str:
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def _confirm_password(client) -> None:
    """allauth asks for the password again before a second factor is added."""
    response = client.get(ACTIVATE)
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302


def test_activating_an_authenticator_app_makes_login_ask_for_its_code(client, resident):
    # Given a resident who logged in with a password
    assert _login(client, resident) == "/mijn/"
    _confirm_password(client)
    page = client.get(ACTIVATE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    secret = page.context["form"].secret
    # When they confirm the code their app shows
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=resident, type="totp").exists()
    assert Authenticator.objects.filter(user=resident, type="recovery_codes").exists()
    client.post("/accounts/logout/")
    cache.clear()  # the code just used may not be used twice; the next login gets a new one
    # Then the password alone no longer logs in: the code is asked
    assert _login(client, resident) == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/mijn/").status_code == 302
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert right.status_code == 302 and right["Location"] == "/mijn/"
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_the_code_check_matches_allauths_own(resident):
    secret = generate_totp_secret()
    totp = TOTP.activate(resident, secret)
    assert totp.validate_code(totp_code(secret))
    assert not totp.validate_code(totp_code(secret, at=time.time() - 300))


def test_the_activation_page_uses_the_site_layout_and_describes_the_qr_code(client, resident):
    _login(client, resident)
    _confirm_password(client)
    page = client.get(ACTIVATE, HTTP_ACCEPT_LANGUAGE="en")
    html, secret = page.content.decode(), page.context["form"].secret
    assert html.count("<main") == 1
    assert 'alt="QR code to scan with your authenticator app' in html
    assert f'alt="{secret}"' not in html
    assert '<label for="id_code">' in html


def test_my_page_links_two_factor_authentication(client, resident):
    client.force_login(resident)
    assert 'href="/accounts/2fa/"' in client.get("/mijn/").content.decode()


# --- MFA_REQUIRED_FOR_STAFF ------------------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    return settings


@pytest.mark.parametrize("url", ["/mijn/", "/beheer/", "/initiatieven/", "/api/v1/initiatives/"])
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, required, url):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == ACTIVATE


def test_officers_without_a_second_factor_are_sent_to_set_one_up(client, required):
    officer = UserFactory()
    OfficerGrant.objects.create(user=officer, municipality=MunicipalityFactory())
    client.force_login(officer)
    response = client.get("/mijn/")
    assert response.status_code == 302 and response["Location"] == ACTIVATE


def test_fund_managers_without_a_second_factor_are_sent_to_set_one_up(client, required):
    """Fund managers see payees and bank accounts (issue #20): two factors, like officers."""
    manager = UserFactory()
    fund = Fund.objects.create(name="Impuls", slug="impuls", funder="LSA")
    FundManager.objects.create(fund=fund, user=manager)
    client.force_login(manager)
    response = client.get("/mijn/")
    assert response.status_code == 302 and response["Location"] == ACTIVATE
    FundManager.objects.filter(user=manager).delete()
    assert client.get("/mijn/").status_code == 200


@pytest.mark.parametrize(
    "url", ["/accounts/2fa/", ACTIVATE, "/accounts/logout/", "/static/css/site.css"]
)
def test_the_set_up_and_logout_pages_stay_reachable(client, required, url):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(url)
    assert response.get("Location") != ACTIVATE


def test_staff_with_an_authenticator_app_go_where_they_asked(client, required):
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    assert client.get("/beheer/").status_code == 200


def test_residents_are_never_sent_to_set_one_up(client, required, resident):
    client.force_login(resident)
    assert client.get("/mijn/").status_code == 200


def test_without_the_requirement_staff_work_as_before(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/beheer/").status_code == 200


def test_the_admin_login_form_hands_over_to_the_site_login_with_its_second_factor(client):
    response = client.get("/beheer/login/?next=/beheer/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/beheer/"
