"""Personal API tokens: created and revoked in /mijn/api-sleutels/, used as `Token <key>`."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from accounts.api_auth import api_token_create, api_token_revoke
from accounts.models import ApiToken
from common.throttling import throttle_history_clear
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SDGS = "/api/v1/impact/sdgs/"


@pytest.fixture(autouse=True)
def empty_cache():
    # Throttle histories live in Redis (common/throttling.py).
    throttle_history_clear()
    yield
    throttle_history_clear()


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("api_tokens"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_page_lists_the_users_tokens_with_prefix_and_status(logged_in, user):
    active, _key = api_token_create(user=user, name="Dashboard gemeente")
    revoked, _key = api_token_create(user=user, name="Oud script")
    api_token_revoke(user=user, token_id=revoked.pk)
    api_token_create(user=UserFactory(), name="Van iemand anders")

    response = logged_in.get(reverse("api_tokens"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Dashboard gemeente" in html
    assert f"{active.prefix}…" in html
    assert "Oud script" in html
    assert "Van iemand anders" not in html
    assert html.count('action="/mijn/api-sleutels/') == 1
    assert html.count("<main") == 1


def test_mine_page_links_to_the_tokens(logged_in):
    response = logged_in.get(reverse("mine"))

    assert reverse("api_tokens") in response.content.decode()


def test_creating_a_token_shows_its_key_once(logged_in, user):
    response = logged_in.post(reverse("api_tokens"), {"name": "Mijn script"})

    token = ApiToken.objects.get(user=user)
    key = response.context["new_key"]
    assert response.status_code == 200
    assert token.name == "Mijn script"
    assert key.startswith(token.prefix)
    assert key in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert key not in logged_in.get(reverse("api_tokens")).content.decode()


def test_token_name_is_required_and_errors_are_linked(logged_in, user):
    response = logged_in.post(reverse("api_tokens"), {"name": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=user).exists()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_fout' in html


def test_token_name_longer_than_100_characters_is_refused(logged_in, user):
    response = logged_in.post(reverse("api_tokens"), {"name": "x" * 101})

    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=user).exists()


def test_key_authenticates_the_api_as_its_user(client, user):
    token, key = api_token_create(user=user, name="Script")

    response = client.get(SDGS, HTTP_AUTHORIZATION=f"Token {key}")

    token.refresh_from_db()
    assert response.status_code == 200
    assert token.last_used_at is not None
    assert response.wsgi_request.user == user


def test_bearer_keyword_is_accepted_too(client, user):
    _token, key = api_token_create(user=user, name="Script")

    response = client.get(SDGS, HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200


def test_unknown_key_is_refused_with_json(client):
    response = client.get(SDGS, HTTP_AUTHORIZATION="Token dit-is-geen-sleutel")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"detail"}


def test_revoking_in_the_page_stops_the_key_at_once(logged_in, user):
    token, key = api_token_create(user=user, name="Script")

    response = logged_in.post(reverse("api_token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert response.status_code == 302
    assert token.revoked_at is not None
    refused = Client().get(SDGS, HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code == 401
    assert "detail" in refused.json()


def test_other_user_cannot_revoke_your_token(client, user):
    token, key = api_token_create(user=user, name="Script")
    client.force_login(UserFactory())

    response = client.post(reverse("api_token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert response.status_code == 404
    assert token.revoked_at is None
    assert Client().get(SDGS, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_revoking_needs_post(logged_in, user):
    token, _key = api_token_create(user=user, name="Script")

    response = logged_in.get(reverse("api_token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert response.status_code == 405
    assert token.revoked_at is None


@pytest.mark.parametrize("url_name", ["api_tokens", "api_token_revoke"])
def test_posts_need_the_csrf_token(user, url_name):
    token, _key = api_token_create(user=user, name="Script")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    args = [token.pk] if url_name == "api_token_revoke" else []

    response = client.post(reverse(url_name, args=args), {"name": "Nog een"})

    token.refresh_from_db()
    assert response.status_code == 403
    assert ApiToken.objects.filter(user=user).count() == 1
    assert token.revoked_at is None


# --- Throttling ---------------------------------------------------------------------------


@pytest.fixture
def low_rates(monkeypatch):
    # DRF copies the rates onto the throttle classes at import; settings overrides miss them.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "3/minute"}
    )


def _assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_anonymous_client_is_throttled_with_retry_after(client, low_rates):
    statuses = [client.get(SDGS).status_code for _ in range(3)]

    response = client.get(SDGS)

    assert statuses == [200, 200, 200]
    _assert_throttled(response)


def test_token_client_is_throttled_per_user_with_retry_after(client, user, low_rates):
    _token, key = api_token_create(user=user, name="Script")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    statuses = [client.get(SDGS, **auth).status_code for _ in range(3)]

    response = client.get(SDGS, **auth)

    assert statuses == [200, 200, 200]
    _assert_throttled(response)
    # Another user's budget is separate.
    _other, other_key = api_token_create(user=UserFactory(), name="Script")
    assert client.get(SDGS, HTTP_AUTHORIZATION=f"Token {other_key}").status_code == 200


def test_rate_limits_count_in_redis_without_database_queries(client, django_assert_max_num_queries):
    # The anonymous SDG list needs one query; the two rate limits add none.
    with django_assert_max_num_queries(1):
        assert client.get("/api/v1/impact/sdgs/").status_code == 200


def test_rate_limits_fail_open_and_stop_trying_when_redis_is_unreachable(client, settings):
    from common import throttling

    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            **settings.CACHES["throttle"],
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        },
    }
    try:
        assert client.get("/api/v1/impact/sdgs/").status_code == 200
        assert throttling._skip_until > 0  # noqa: SLF001 - the next requests skip Redis
        assert client.get("/api/v1/impact/sdgs/").status_code == 200
    finally:
        throttling.throttle_history_clear()
