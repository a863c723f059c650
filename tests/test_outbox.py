import smtplib
import threading
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from config.celery import app as celery_app
from outbox.models import OutgoingMail
from outbox.services import mail_deliver, mail_deliver_due

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
FAILING = "tests.test_outbox.DisconnectingBackend"


class DisconnectingBackend(BaseEmailBackend):
    """An SMTP server that hangs up on every mail."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed\nsecond line")


@pytest.fixture(autouse=True)
def queued_mail(settings):
    # Django's test set-up forces the locmem backend; these tests are about the queue in front.
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"
    settings.OUTBOX_DELIVERY_BACKEND = LOCMEM


@pytest.fixture
def dead_broker():
    """The Celery app publishes to a port where no broker listens, as during a Redis outage."""
    real_url = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    _drop_cached_broker_pools()
    yield
    celery_app.conf.broker_url = real_url
    _drop_cached_broker_pools()


@pytest.fixture
def eager_celery():
    """Tasks run in the calling thread when published, so a callback's effect can be seen."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _drop_cached_broker_pools():
    # Celery keeps the connection and producer pools of its first publish; without this the
    # next publish would still reach the real Redis whatever broker_url says.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _queue_one(**overrides) -> OutgoingMail:
    fields = {
        "subject": "Welkom",
        "message": "Hallo buur",
        "from_email": "buurtbeurs@example.org",
        "recipient_list": ["buur@example.org"],
    } | overrides
    send_mail(**fields)
    return OutgoingMail.objects.get()


@pytest.mark.django_db
def test_mail_sent_in_a_rolled_back_transaction_leaves_no_row():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Welkom", "Hallo buur", "buurtbeurs@example.org", ["buur@example.org"])
        raise RuntimeError("the caller's write failed")

    assert not OutgoingMail.objects.exists()


@pytest.mark.django_db
def test_committed_mail_is_stored_once_and_schedules_exactly_one_delivery(
    django_capture_on_commit_callbacks, eager_celery, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        sent = send_mail("Welkom", "Hallo buur", "buurtbeurs@example.org", ["buur@example.org"])

    row = OutgoingMail.objects.get()
    assert sent == 1
    assert (row.to, row.sent_at, row.attempts) == (["buur@example.org"], None, 0)
    assert len(callbacks) == 1
    assert mailoutbox == []

    callbacks[0]()

    row.refresh_from_db()
    assert row.sent_at is not None
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_mail_deliver_sends_a_mail_exactly_once(mailoutbox):
    row = _queue_one()

    assert mail_deliver(mail_id=row.pk) is True
    assert mail_deliver(mail_id=row.pk) is False

    row.refresh_from_db()
    assert row.sent_at is not None
    assert [m.subject for m in mailoutbox] == ["Welkom"]


@pytest.mark.django_db
def test_mail_deliver_of_a_missing_mail_returns_false(mailoutbox):
    assert mail_deliver(mail_id=123456) is False
    assert mailoutbox == []


@pytest.mark.django_db
def test_addresses_headers_and_html_alternative_survive_the_queue(mailoutbox):
    message = EmailMultiAlternatives(
        subject="Nieuw initiatief",
        body="Platte tekst",
        from_email="Buurtbeurs <buurtbeurs@example.org>",
        to=["buur@example.org"],
        cc=["wijk@example.org"],
        bcc=["archief@example.org"],
        reply_to=["initiatiefnemer@example.org"],
        headers={"X-Buurtbeurs": "ja"},
    )
    message.attach_alternative("<p>HTML tekst</p>", "text/html")
    message.send()
    row = OutgoingMail.objects.get()

    mail_deliver(mail_id=row.pk)

    [delivered] = mailoutbox
    assert delivered.subject == "Nieuw initiatief"
    assert delivered.body == "Platte tekst"
    assert delivered.from_email == "Buurtbeurs <buurtbeurs@example.org>"
    assert delivered.to == ["buur@example.org"]
    assert delivered.cc == ["wijk@example.org"]
    assert delivered.bcc == ["archief@example.org"]
    assert delivered.reply_to == ["initiatiefnemer@example.org"]
    assert list(delivered.alternatives) == [("<p>HTML tekst</p>", "text/html")]
    assert delivered.extra_headers["X-Buurtbeurs"] == "ja"
    # Fixed when queued, so every retry carries the same Message-ID.
    assert delivered.extra_headers["Message-ID"] == row.headers["Message-ID"]


@pytest.mark.django_db
def test_an_html_only_message_is_delivered_as_html(mailoutbox):
    message = EmailMessage("Nieuws", "<p>Alleen HTML</p>", to=["buur@example.org"])
    message.content_subtype = "html"
    message.send()

    mail_deliver(mail_id=OutgoingMail.objects.get().pk)

    [delivered] = mailoutbox
    assert (delivered.body, delivered.content_subtype) == ("<p>Alleen HTML</p>", "html")


@pytest.mark.django_db
def test_attachments_are_refused_with_a_clear_error():
    message = EmailMessage("Verslag", "Zie bijlage", to=["buur@example.org"])
    message.attach("verslag.txt", "inhoud", "text/plain")

    with pytest.raises(ValueError, match="does not store attachments"):
        message.send()

    assert not OutgoingMail.objects.exists()


@pytest.mark.django_db
def test_a_failed_delivery_is_recorded_and_retried_only_when_due(settings, mailoutbox):
    row = _queue_one()
    settings.OUTBOX_DELIVERY_BACKEND = FAILING

    assert mail_deliver(mail_id=row.pk) is False

    row.refresh_from_db()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert row.next_attempt_at > timezone.now()

    settings.OUTBOX_DELIVERY_BACKEND = LOCMEM
    assert mail_deliver_due() == 0
    assert mailoutbox == []

    OutgoingMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert mail_deliver_due() == 1

    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.attempts == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_retry_delay_doubles_per_failure_and_is_capped_at_six_hours(settings):
    row = _queue_one()
    settings.OUTBOX_DELIVERY_BACKEND = FAILING

    delays = []
    for _ in range(3):
        before = timezone.now()
        mail_deliver(mail_id=row.pk)
        row.refresh_from_db()
        delays.append(round((row.next_attempt_at - before) / timedelta(minutes=1)))
    OutgoingMail.objects.filter(pk=row.pk).update(attempts=1000)
    before = timezone.now()
    mail_deliver(mail_id=row.pk)
    row.refresh_from_db()

    assert delays == [1, 2, 4]
    assert round((row.next_attempt_at - before) / timedelta(hours=1)) == 6


@pytest.mark.django_db
def test_the_sweep_stops_at_the_first_failure_so_an_outage_costs_one_attempt(settings):
    send_mail("Eerste", "Een", "buurtbeurs@example.org", ["a@example.org"])
    send_mail("Tweede", "Twee", "buurtbeurs@example.org", ["b@example.org"])
    settings.OUTBOX_DELIVERY_BACKEND = FAILING

    assert mail_deliver_due() == 0

    attempts = sorted(OutgoingMail.objects.values_list("attempts", flat=True))
    assert attempts == [0, 1]


@pytest.mark.django_db(transaction=True)
def test_a_mail_locked_by_another_worker_is_skipped_not_sent_twice(mailoutbox):
    # Written directly: send_mail outside a transaction would publish a task to the real Redis.
    row = OutgoingMail.objects.create(
        subject="Welkom", body="Hallo buur", from_email="buurtbeurs@example.org", to=["b@e.org"]
    )
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        from django.db import connection

        try:
            with transaction.atomic():
                OutgoingMail.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert mail_deliver(mail_id=row.pk) is False
    finally:
        release.set()
        thread.join()

    assert mailoutbox == []
    assert mail_deliver(mail_id=row.pk) is True


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_delays_the_mail_but_never_breaks_the_sender(
    dead_broker, mailoutbox, caplog
):
    with transaction.atomic():
        user = User.objects.create_user("nieuw@example.org", "een lang wachtwoord 42")
        send_mail("Welkom", "Hallo buur", "buurtbeurs@example.org", [user.email])

    assert User.objects.filter(email="nieuw@example.org").exists()
    row = OutgoingMail.objects.get()
    assert row.sent_at is None
    assert "Error calling" in caplog.text  # Django logged the failed publish and carried on

    assert mail_deliver_due() == 1
    assert [m.to for m in mailoutbox] == [["nieuw@example.org"]]


@pytest.mark.django_db
def test_admin_list_leaves_the_body_out_and_the_detail_page_shows_it(admin_client):
    row = _queue_one(message="Persoonlijk bericht voor de buur")

    listing = admin_client.get(reverse("admin:outbox_outgoingmail_changelist"))
    detail = admin_client.get(reverse("admin:outbox_outgoingmail_change", args=[row.pk]))

    assert listing.status_code == 200
    assert "buur@example.org" in listing.text
    assert "Persoonlijk bericht" not in listing.text
    assert detail.status_code == 200
    assert "Persoonlijk bericht voor de buur" in detail.text


@pytest.mark.django_db
def test_admin_retry_now_delivers_a_failed_mail_at_once(settings, admin_client, mailoutbox):
    row = _queue_one()
    settings.OUTBOX_DELIVERY_BACKEND = FAILING
    mail_deliver(mail_id=row.pk)
    settings.OUTBOX_DELIVERY_BACKEND = LOCMEM

    response = admin_client.post(
        reverse("admin:outbox_outgoingmail_changelist"),
        {"action": "retry_now", "_selected_action": [row.pk]},
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.sent_at is not None
    assert len(mailoutbox) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_mail_is_delivered_by_a_real_worker_through_redis():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            send_mail("Welkom", "Hallo buur", "buurtbeurs@example.org", ["buur@example.org"])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if OutgoingMail.objects.filter(sent_at__isnull=False).exists():
                break
            time.sleep(0.1)

    assert OutgoingMail.objects.get().sent_at is not None
    assert [m.subject for m in mail.outbox] == ["Welkom"]
