"""Needs an initiative posts, and visitors' offers of help relayed to its owners."""

import datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertTemplateUsed

from initiatives.models import HelpOffer, Need
from initiatives.services import need_close, need_create
from initiatives.views import HELP_OFFERS_PER_HOUR
from tests.factories import InitiativeFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    # The rate limit counts in the (database) cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def need(initiative):
    return NeedFactory(initiative=initiative, title="Tuinhulp op zaterdag")


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


# --- Posting a need -------------------------------------------------------------------------


def test_an_owner_posts_an_open_need(initiative, owner):
    # When
    need = need_create(
        initiative=initiative,
        user=owner,
        fields={"kind": Need.Kind.MATERIALS, "title": "Kruiwagens", "until": tomorrow()},
    )

    # Then
    stored = Need.objects.get()
    assert stored.pk == need.pk
    assert stored.initiative == initiative
    assert (stored.kind, stored.title, stored.until) == ("materials", "Kruiwagens", tomorrow())
    assert stored.status == Need.Status.OPEN
    assert stored.closed_at is None


def test_a_need_until_a_past_date_is_refused_on_the_until_field(initiative, owner):
    # When
    with pytest.raises(ValidationError) as error:
        need_create(
            initiative=initiative,
            user=owner,
            fields={"kind": Need.Kind.MATERIALS, "title": "Kruiwagens", "until": yesterday()},
        )

    # Then
    assert set(error.value.message_dict) == {"until"}
    assert not Need.objects.exists()


def test_someone_who_is_not_an_owner_cannot_post_a_need(initiative):
    # When / then
    with pytest.raises(PermissionDenied):
        need_create(
            initiative=initiative,
            user=UserFactory(),
            fields={"kind": Need.Kind.MATERIALS, "title": "Kruiwagens"},
        )
    assert not Need.objects.exists()


def test_the_need_page_posts_a_need_and_redirects_to_the_profile(client, initiative, owner):
    # Given
    client.force_login(owner)

    # When
    response = client.post(
        reverse("need_create", args=[initiative.slug]),
        {"kind": "volunteers", "title": "Vrijwilligers voor de oogst", "amount": "3 mensen"},
    )

    # Then
    assert response.status_code == 302
    assert response.url == initiative.get_absolute_url()
    need = Need.objects.get()
    assert (need.initiative, need.title, need.amount) == (
        initiative,
        "Vrijwilligers voor de oogst",
        "3 mensen",
    )


def test_the_need_page_refuses_a_past_until_date_without_saving(client, initiative, owner):
    # Given
    client.force_login(owner)

    # When
    response = client.post(
        reverse("need_create", args=[initiative.slug]),
        {"kind": "volunteers", "title": "Oogsthulp", "until": yesterday().isoformat()},
    )

    # Then
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"until"}
    assert 'aria-invalid="true"' in str(response.context["form"]["until"])
    assert not Need.objects.exists()


def test_someone_who_is_not_an_owner_gets_403_on_the_need_page(client, initiative):
    # Given
    client.force_login(UserFactory())

    # When
    response = client.post(
        reverse("need_create", args=[initiative.slug]), {"kind": "volunteers", "title": "Hulp"}
    )

    # Then
    assert response.status_code == 403
    assert not Need.objects.exists()


# --- Closing a need -------------------------------------------------------------------------


def test_closing_a_need_sets_its_status_and_closing_time(need, owner):
    # Given
    before = timezone.now()

    # When
    closed = need_close(need=need, user=owner, status=Need.Status.FULFILLED)

    # Then
    need.refresh_from_db()
    assert need.status == Need.Status.FULFILLED
    assert before <= need.closed_at <= timezone.now()
    assert closed.status == Need.Status.FULFILLED


def test_a_need_can_be_withdrawn(need, owner):
    # When
    need_close(need=need, user=owner, status=Need.Status.WITHDRAWN)

    # Then
    need.refresh_from_db()
    assert need.status == Need.Status.WITHDRAWN
    assert need.closed_at is not None


def test_closing_a_need_twice_is_refused_and_keeps_the_first_closing(need, owner):
    # Given
    need_close(need=need, user=owner, status=Need.Status.FULFILLED)
    first_closed_at = Need.objects.get().closed_at

    # When
    with pytest.raises(ValidationError):
        need_close(need=need, user=owner, status=Need.Status.WITHDRAWN)

    # Then
    need.refresh_from_db()
    assert (need.status, need.closed_at) == (Need.Status.FULFILLED, first_closed_at)


def test_closing_a_need_as_open_is_refused_on_the_status_field(need, owner):
    # When
    with pytest.raises(ValidationError) as error:
        need_close(need=need, user=owner, status=Need.Status.OPEN)

    # Then
    assert set(error.value.message_dict) == {"status"}
    assert Need.objects.get().status == Need.Status.OPEN


def test_someone_who_is_not_an_owner_cannot_close_a_need(need):
    # When / then
    with pytest.raises(PermissionDenied):
        need_close(need=need, user=UserFactory(), status=Need.Status.FULFILLED)
    assert Need.objects.get().status == Need.Status.OPEN


# --- Offers of help -------------------------------------------------------------------------


def offer_url(need: Need) -> str:
    return reverse("help_offer", args=[need.initiative.slug, need.pk])


def offer_data(**overrides) -> dict:
    return {
        "name": "Fatima de Vries",
        "email": "fatima@example.net",
        "message": "Ik heb zaterdag tijd en een schep.",
        "consent": "on",
        **overrides,
    }


def test_the_help_page_renders_for_an_open_need_of_a_published_initiative(client, need):
    # When
    response = client.get(offer_url(need))

    # Then
    assert response.status_code == 200
    assert need.title in response.content.decode()


def test_an_offer_of_help_is_stored(client, need):
    # When
    response = client.post(offer_url(need), offer_data())

    # Then
    assert response.status_code == 200
    assertTemplateUsed(response, "initiatives/help_offer_sent.html")
    offer = HelpOffer.objects.get()
    assert offer.need == need
    assert (offer.name, offer.email, offer.consent) == (
        "Fatima de Vries",
        "fatima@example.net",
        True,
    )
    assert offer.message == "Ik heb zaterdag tijd en een schep."


def test_an_offer_of_help_mails_each_owner_separately_with_the_visitor_as_reply_to(
    client, need, owner
):
    # Given
    co_owner = UserFactory()
    need.initiative.ownerships.create(user=co_owner, role="co_owner")

    # When
    client.post(offer_url(need), offer_data())

    # Then
    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, co_owner.email])
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert all(message.reply_to == ["fatima@example.net"] for message in mail.outbox)


def test_the_visitors_address_is_not_a_recipient_of_the_relayed_offer(client, need, owner):
    # When
    client.post(offer_url(need), offer_data())

    # Then
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "fatima@example.net" not in message.recipients()
    assert message.cc == []
    assert message.bcc == []


def test_the_relayed_offer_carries_the_visitors_message(client, need):
    # When
    client.post(offer_url(need), offer_data())

    # Then
    [message] = mail.outbox
    assert "Ik heb zaterdag tijd en een schep." in message.body
    assert "Tuinhulp op zaterdag" in message.subject


def test_the_subject_of_the_relayed_offer_shows_the_need_title_unescaped(client, initiative):
    # Given
    need = NeedFactory(initiative=initiative, title="Schoppen & harken")

    # When
    client.post(offer_url(need), offer_data())

    # Then
    [message] = mail.outbox
    assert message.subject == "[Buurtbeurs] Iemand wil helpen: Schoppen & harken"


def test_an_offer_on_a_need_whose_title_has_a_line_break_is_still_relayed(client, initiative):
    # Given
    need = NeedFactory(initiative=initiative, title="Tafels\nen stoelen")

    # When
    response = client.post(offer_url(need), offer_data())

    # Then
    assert response.status_code == 200
    assert HelpOffer.objects.count() == 1
    [message] = mail.outbox
    assert "\n" not in message.subject


def test_an_offer_without_consent_is_refused_on_the_consent_field(client, need):
    # When
    response = client.post(offer_url(need), offer_data(consent=""))

    # Then
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"consent"}
    assert not HelpOffer.objects.exists()
    assert mail.outbox == []


def test_an_offer_with_the_honeypot_filled_pretends_success_but_stores_nothing(client, need):
    # When
    response = client.post(offer_url(need), offer_data(homepage="https://spam.example"))

    # Then
    assert response.status_code == 200
    assertTemplateUsed(response, "initiatives/help_offer_sent.html")
    assert not HelpOffer.objects.exists()
    assert mail.outbox == []


def test_the_sixth_offer_within_an_hour_from_one_address_gets_429(client, need):
    # Given
    for _ in range(HELP_OFFERS_PER_HOUR):
        assert client.post(offer_url(need), offer_data()).status_code == 200
    mail.outbox.clear()

    # When
    response = client.post(offer_url(need), offer_data(name="Zesde"))

    # Then
    assert response.status_code == 429
    assert HelpOffer.objects.count() == HELP_OFFERS_PER_HOUR
    assert not HelpOffer.objects.filter(name="Zesde").exists()
    assert mail.outbox == []


def test_the_rate_limit_counts_per_address(client, need):
    # Given
    for _ in range(HELP_OFFERS_PER_HOUR):
        client.post(offer_url(need), offer_data())

    # When
    response = client.post(offer_url(need), offer_data(), REMOTE_ADDR="192.0.2.7")

    # Then
    assert response.status_code == 200
    assert HelpOffer.objects.count() == HELP_OFFERS_PER_HOUR + 1


def test_an_offer_on_a_closed_need_is_404(client, initiative):
    # Given
    need = NeedFactory(initiative=initiative, closed=True)

    # When
    response = client.post(offer_url(need), offer_data())

    # Then
    assert response.status_code == 404
    assert not HelpOffer.objects.exists()
    assert mail.outbox == []


def test_an_offer_on_a_need_of_a_draft_initiative_is_404(client):
    # Given
    need = NeedFactory(initiative=InitiativeFactory(owner=UserFactory()))

    # When
    response = client.post(offer_url(need), offer_data())

    # Then
    assert response.status_code == 404
    assert not HelpOffer.objects.exists()
    assert mail.outbox == []


def test_an_offer_on_a_need_of_an_archived_initiative_is_404(client):
    # Given
    need = NeedFactory(initiative=InitiativeFactory(archived=True, owner=UserFactory()))

    # When
    response = client.post(offer_url(need), offer_data())

    # Then
    assert response.status_code == 404
    assert not HelpOffer.objects.exists()


def test_the_owners_see_the_offer_on_their_overview(client, need, owner):
    # Given
    client.post(offer_url(need), offer_data())
    client.force_login(owner)

    # When
    response = client.get(reverse("mine"))

    # Then
    assert response.status_code == 200
    assert list(response.context["offers"]) == list(HelpOffer.objects.all())
    html = response.content.decode()
    assert "Fatima de Vries" in html
    assert "Ik heb zaterdag tijd en een schep." in html
    assert 'href="mailto:fatima@example.net"' in html


def test_other_users_do_not_see_the_offer_on_their_overview(client, need):
    # Given
    client.post(offer_url(need), offer_data())
    client.force_login(UserFactory())

    # When
    response = client.get(reverse("mine"))

    # Then
    assert list(response.context["offers"]) == []
    assert "fatima@example.net" not in response.content.decode()


def test_rate_limit_counts_the_visitor_behind_a_trusted_proxy(settings):
    from django.test import RequestFactory

    from common.ratelimit import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
    )
    # The visitor cannot choose their address by sending a forged header first.
    assert client_ip(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
