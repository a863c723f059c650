"""Accountability, settlement and reclaim of an award (funding/accountability.py, issue #21):
pre-filled from the monthly reports, saved and submitted with private receipts, the story on
the public profile (and nothing else), settled or reclaimed within the award, the table of
grant transitions, the timers with a frozen clock, and the "earlier awards settled" rule."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from funding import accountability as services
from funding.accountability import (
    ReceiptUpload,
    accountability_prefill,
    accountability_save,
    accountability_submit,
    application_reclaim,
    application_settle,
)
from funding.eligibility import evaluate
from funding.models import Accountability, Application, Payment, Receipt
from funding.timers import accountability_timers
from initiatives.models import ActivityReport, Ownership
from privacy.services import person_erase, person_export
from tests.factories import UserFactory
from tests.funding_helpers import accounted_award, make_round, manager_of, paid_award

pytestmark = pytest.mark.django_db
Grant = Application.Grant
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def roots(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return {"media": tmp_path / "media", "private": tmp_path / "private"}


@pytest.fixture
def award(mailoutbox):
    """A paid award of a published initiative, its owner and the fund's manager."""
    round_ = make_round()
    application, owner = paid_award(round_)
    manager = manager_of(round_)
    mailoutbox.clear()
    return application, owner, manager


def pdf(name: str = "bon.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def stored(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def submit(application, owner, **fields):
    values = {"done": "De kas staat er.", "spent": Decimal(900), "story": "Onze kas.", **fields}
    return accountability_submit(user=owner, application=application, fields=values)


# --- Prefill from the monthly reports ---------------------------------------------------------


def test_the_prefill_sums_hours_and_takes_the_best_month_of_people_since_the_payment(award):
    application, owner, _ = award
    initiative = application.initiative
    Payment.objects.create(
        application=application,
        amount=Decimal(1000),
        payee_name="Stichting De Tuin",
        iban="NL91ABNA0417164300",
        paid_on=datetime.date(2027, 2, 14),
    )
    for month, hours, people in [(1, 99, 900), (2, 10, 30), (3, 12, 50), (4, 8, 40)]:
        ActivityReport.objects.create(
            initiative=initiative,
            month=datetime.date(2027, month, 1),
            volunteer_hours=Decimal(hours),
            active_volunteers=10,
            people_reached=people,
        )

    with time_machine.travel(datetime.datetime(2027, 4, 20, 12, tzinfo=AMSTERDAM), tick=False):
        prefill = accountability_prefill(application)

    # January was before the payment; February to April count
    assert prefill["volunteer_hours"] == Decimal(30)
    assert prefill["people_reached"] == 50  # the best month, not 120
    assert prefill["since"] == datetime.date(2027, 2, 1)
    assert prefill["months"] == 3


def test_without_reports_the_prefill_is_zero(award):
    application, _, _ = award
    assert accountability_prefill(application)["volunteer_hours"] == 0
    assert accountability_prefill(application)["people_reached"] == 0


# --- Save and submit ------------------------------------------------------------------------------


def test_an_owner_saves_a_draft(award, mailoutbox):
    application, owner, _ = award

    saved = accountability_save(
        user=owner,
        application=application,
        fields={"spent": Decimal(400), "story": "", "done": "Begonnen."},
    )

    application.refresh_from_db()
    assert saved.spent == Decimal(400) and saved.submitted_at is None
    assert application.grant == Grant.PAID
    assert mailoutbox == []


def test_a_co_owner_may_account_too(award):
    application, _, _ = award
    co_owner = UserFactory()
    Ownership.objects.create(
        initiative=application.initiative, user=co_owner, role=Ownership.Role.CO_OWNER
    )
    submit(application, co_owner)
    application.refresh_from_db()
    assert application.grant == Grant.ACCOUNTED


@pytest.mark.parametrize("who", ["resident", "manager"])
def test_only_the_applicants_account(award, who):
    application, _, manager = award
    user = manager if who == "manager" else UserFactory()
    with pytest.raises(PermissionDenied):
        accountability_save(user=user, application=application, fields={"spent": Decimal(1)})
    assert not Accountability.objects.exists()


@pytest.mark.parametrize("grant", [Grant.AWARDED, Grant.ACCOUNTED, Grant.SETTLED])
def test_only_a_paid_award_takes_an_accountability(award, grant):
    application, owner, _ = award
    Application.objects.filter(pk=application.pk).update(
        grant=grant, settled_amount=Decimal(1000) if grant == Grant.SETTLED else None
    )
    with pytest.raises(ValidationError):
        accountability_save(user=owner, application=application, fields={"spent": Decimal(1)})


@pytest.mark.parametrize("service", [accountability_save, accountability_submit])
def test_saving_or_submitting_needs_what_was_done(award, service):
    application, owner, _ = award
    with pytest.raises(ValidationError) as error:
        service(user=owner, application=application, fields={"spent": Decimal(1), "done": " "})
    assert "done" in error.value.message_dict
    application.refresh_from_db()
    assert application.grant == Grant.PAID
    assert not Accountability.objects.exists()


def test_submitting_accounts_the_award_and_tells_the_fund_managers(award, mailoutbox):
    application, owner, manager = award

    accountability = submit(application, owner)

    application.refresh_from_db()
    assert application.grant == Grant.ACCOUNTED
    assert accountability.submitted_at is not None and accountability.submitted_by == owner
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert "Verantwoording ingediend" in mailoutbox[0].subject
    assert f"/mijn/regelingen/aanvragen/{application.pk}/verantwoording/" in mailoutbox[0].body


def test_a_negative_amount_spent_is_refused(award):
    application, owner, _ = award
    with pytest.raises(ValidationError):
        accountability_save(
            user=owner, application=application, fields={"spent": Decimal(-1), "done": "x"}
        )


# --- Receipts: uploads and private serving ------------------------------------------------------


def test_a_receipt_is_stored_privately_under_a_random_name(award, roots):
    application, owner, _ = award

    accountability = accountability_save(
        user=owner,
        application=application,
        fields={"spent": Decimal(10), "done": "Gedaan."},
        receipts=[ReceiptUpload(pdf("Jan Jansen factuur.pdf"), "Hout", Decimal(10))],
    )

    receipt = accountability.receipts.get()
    assert receipt.file.name.endswith(".pdf") and "Jansen" not in receipt.file.name
    assert [p.read_bytes() for p in stored(roots["private"])] == [PDF]
    assert stored(roots["media"]) == []
    with pytest.raises(NotImplementedError):
        receipt.file.url  # noqa: B018 - private files have no address


HOSTILE = {
    "text named .pdf": (b"Beste buren, tot zaterdag!", "bon.pdf"),
    "html named .pdf": (b"<html><script>alert(1)</script></html>", "bon.pdf"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "bon.svg"),
    "exe": (b"MZ\x90\x00", "bon.exe"),
    "empty": (b"", "bon.pdf"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_file_that_is_no_pdf_jpeg_or_png_is_refused_and_nothing_is_saved(award, roots, kind):
    application, owner, _ = award
    content, name = HOSTILE[kind]
    with pytest.raises(ValidationError):
        accountability_save(
            user=owner,
            application=application,
            fields={"spent": Decimal(10), "done": "Gedaan."},
            receipts=[
                ReceiptUpload(pdf(), "Hout", Decimal(10)),
                ReceiptUpload(SimpleUploadedFile(name, content), "Verf", Decimal(5)),
            ],
        )
    assert not Accountability.objects.exists() and not Receipt.objects.exists()
    assert stored(roots["private"]) == []


def test_a_receipt_above_the_size_limit_is_refused(award, monkeypatch):
    application, owner, _ = award
    monkeypatch.setattr(services, "MAX_RECEIPT_BYTES", 1024)
    big = SimpleUploadedFile("bon.pdf", PDF + b"0" * 2000)
    with pytest.raises(ValidationError) as error:
        services.receipt_kind(big)
    assert error.value.code == "too_large"


def test_png_and_jpeg_receipts_are_taken(award):
    application, owner, _ = award
    jpeg = io.BytesIO()
    Image.new("RGB", (20, 10)).save(jpeg, format="JPEG")
    accountability = accountability_save(
        user=owner,
        application=application,
        fields={"spent": Decimal(10), "done": "Gedaan."},
        receipts=[
            ReceiptUpload(SimpleUploadedFile("a.png", png()), "Verf", Decimal(5)),
            ReceiptUpload(SimpleUploadedFile("b", jpeg.getvalue()), "Hout", Decimal(5)),
        ],
    )
    assert sorted(r.file.name.rsplit(".", 1)[1] for r in accountability.receipts.all()) == [
        "jpg",
        "png",
    ]


def test_a_removed_receipt_goes_with_its_file_after_the_commit(
    award, roots, django_capture_on_commit_callbacks
):
    application, owner, _ = award
    fields = {"spent": Decimal(10), "done": "Gedaan."}
    saved = accountability_save(
        user=owner,
        application=application,
        fields=fields,
        receipts=[ReceiptUpload(pdf(), "Hout", Decimal(10))],
    )
    receipt = saved.receipts.get()

    with django_capture_on_commit_callbacks(execute=True):
        accountability_save(user=owner, application=application, fields=fields, remove=[receipt.pk])

    assert not Receipt.objects.exists()
    assert stored(roots["private"]) == []


def test_the_number_of_receipts_is_limited(award, monkeypatch):
    application, owner, _ = award
    monkeypatch.setattr(services, "MAX_RECEIPTS", 1)
    with pytest.raises(ValidationError):
        accountability_save(
            user=owner,
            application=application,
            fields={"spent": Decimal(10), "done": "Gedaan."},
            receipts=[ReceiptUpload(pdf(), "Hout", Decimal(5))] * 2,
        )


@pytest.fixture
def receipt(award):
    application, owner, manager = award
    accountability = accountability_save(
        user=owner,
        application=application,
        fields={"spent": Decimal(10), "done": "Gedaan."},
        receipts=[ReceiptUpload(pdf(), "Hout", Decimal(10))],
    )
    receipt = accountability.receipts.get()
    url = reverse("funding_receipt", args=[application.initiative.slug, application.pk, receipt.pk])
    return {"url": url, "owner": owner, "manager": manager, "application": application}


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_a_receipt_is_downloaded_by_the_applicants_and_the_fund_managers(client, receipt, who):
    client.force_login(receipt[who])

    response = client.get(receipt["url"])

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["resident", "other fund's manager", "staff"])
def test_nobody_else_gets_a_receipt(client, receipt, who):
    users = {
        "resident": UserFactory,
        "other fund's manager": lambda: manager_of(make_round()),
        "staff": lambda: UserFactory(is_staff=True, is_superuser=True),
    }
    client.force_login(users[who]())
    assert client.get(receipt["url"]).status_code == 404


def test_a_receipt_is_not_reached_through_another_initiative_or_award(client, receipt, award):
    other, other_owner = paid_award()
    client.force_login(other_owner)
    pk = receipt["url"].rstrip("/").rsplit("/", 1)[1]
    assert (
        client.get(
            reverse("funding_receipt", args=[other.initiative.slug, other.pk, pk])
        ).status_code
        == 404
    )
    assert client.get(receipt["url"]).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_for_a_receipt(client, receipt):
    response = client.get(receipt["url"])
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- The pages ------------------------------------------------------------------------------------


def test_the_form_is_pre_filled_from_the_reports(client, award):
    application, owner, _ = award
    ActivityReport.objects.create(
        initiative=application.initiative,
        month=datetime.date.today().replace(day=1),
        volunteer_hours=Decimal(42),
        active_volunteers=5,
        people_reached=77,
    )
    client.force_login(owner)
    url = reverse("funding_accountability", args=[application.initiative.slug, application.pk])

    html = client.get(url).content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert 'name="volunteer_hours" value="42' in html
    assert 'name="people_reached" value="77"' in html


def test_the_form_saves_a_draft_with_a_receipt_then_submits(client, award, mailoutbox):
    application, owner, manager = award
    client.force_login(owner)
    url = reverse("funding_accountability", args=[application.initiative.slug, application.pk])
    form = {
        "done": "",
        "spent": "950",
        "volunteer_hours": "10",
        "people_reached": "20",
        "story": "De kas staat er.",
        "receipt-TOTAL_FORMS": "3",
        "receipt-INITIAL_FORMS": "0",
        "receipt-MIN_NUM_FORMS": "3",
        "receipt-MAX_NUM_FORMS": "3",
        "receipt-0-file": pdf(),
        "receipt-0-description": "Hout",
        "receipt-0-amount": "950",
    }

    without_done = client.post(url, {**form, "save": "1"})
    saved = client.post(url, {**form, "receipt-0-file": pdf(), "done": "Begonnen.", "save": "1"})

    assert without_done.status_code == 200
    assert 'id="id_done_fout"' in without_done.content.decode()
    assert saved.status_code == 302
    assert Receipt.objects.count() == 1  # the refused post added nothing
    form.pop("receipt-0-file")
    form.update({"done": "Gebouwd.", "receipt-0-description": "", "receipt-0-amount": ""})
    assert client.post(url, {**form, "submit": "1"}).status_code == 302
    application.refresh_from_db()
    assert application.grant == Grant.ACCOUNTED
    page = client.get(url).content.decode()
    assert "Gebouwd." in page and "Hout" in page and "<form" not in page.split("<main")[1]


def test_a_receipt_row_without_its_amount_is_a_form_error(client, award):
    application, owner, _ = award
    client.force_login(owner)
    url = reverse("funding_accountability", args=[application.initiative.slug, application.pk])
    response = client.post(
        url,
        {
            "spent": "10",
            "volunteer_hours": "0",
            "people_reached": "0",
            "receipt-TOTAL_FORMS": "3",
            "receipt-INITIAL_FORMS": "0",
            "receipt-0-file": SimpleUploadedFile("x.pdf", b"<html>"),
            "receipt-0-description": "Hout",
            "receipt-0-amount": "10",
            "save": "1",
        },
    )
    assert response.status_code == 200
    assert "Een bon moet een PDF-, JPEG- of PNG-bestand zijn." in response.content.decode()
    assert not Accountability.objects.exists()


def test_the_application_page_shows_the_life_of_the_award(client, award):
    application, owner, _ = award
    client.force_login(owner)
    html = client.get(
        reverse("funding_application", args=[application.initiative.slug, application.pk])
    ).content.decode()
    assert "Betaald, nog te verantwoorden" in html
    assert application.accountability_due.strftime("%Y") in html
    assert (
        reverse("funding_accountability", args=[application.initiative.slug, application.pk])
        in html
    )


# --- The story on the public profile ---------------------------------------------------------


def test_a_submitted_story_shows_on_the_profile_and_nothing_else_of_the_accountability(
    client, award
):
    application, owner, _ = award
    accountability_save(
        user=owner,
        application=application,
        fields={"story": "Ons kasverhaal.", "spent": Decimal("987.65"), "done": "Intern-verslag"},
        receipts=[ReceiptUpload(pdf(), "Bonnetje-hout", Decimal(10))],
    )
    profile = application.initiative.get_absolute_url()
    assert "Ons kasverhaal." not in client.get(profile).content.decode()  # a draft is not public

    submit(application, owner, story="Ons kasverhaal.", spent=Decimal("987.65"))

    html = client.get(profile).content.decode()
    assert "Ons kasverhaal." in html
    for private in ("Intern-verslag", "De kas staat er.", "Bonnetje-hout", "987", "bonnen"):
        assert private not in html


# --- Settlement and reclaim -----------------------------------------------------------------------


@pytest.fixture
def accounted(mailoutbox):
    round_ = make_round()
    application, owner = accounted_award(round_)
    manager = manager_of(round_)
    mailoutbox.clear()
    return application, owner, manager


def test_the_fund_manager_settles_an_accounted_award_and_the_applicants_hear_why(
    accounted, mailoutbox
):
    application, owner, manager = accounted

    application_settle(
        user=manager, application=application, amount=Decimal(900), text="Vastgesteld op 900."
    )

    application.refresh_from_db()
    assert application.grant == Grant.SETTLED
    assert application.settled_amount == Decimal(900)
    assert application.settled_by == manager and application.settled_on is not None
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "Vastgesteld op 900." in mailoutbox[0].body
    assert "bezwaar" in mailoutbox[0].body


@pytest.mark.parametrize("amount", ["1000.01", "-1"])
def test_a_settlement_outside_the_award_is_refused(accounted, amount):
    application, _, manager = accounted
    with pytest.raises(ValidationError):
        application_settle(user=manager, application=application, amount=Decimal(amount), text="x")
    application.refresh_from_db()
    assert application.grant == Grant.ACCOUNTED and application.settled_amount is None


def test_a_settlement_needs_its_text(accounted):
    application, _, manager = accounted
    with pytest.raises(ValidationError):
        application_settle(user=manager, application=application, amount=Decimal(9), text=" ")


def test_a_paid_award_is_not_settled_without_an_accountability(award):
    application, _, manager = award
    with pytest.raises(ValidationError):
        application_settle(user=manager, application=application, amount=Decimal(1), text="x")


@pytest.mark.parametrize("who", ["owner", "other fund's manager"])
def test_only_the_funds_manager_settles_and_reclaims(accounted, who):
    application, owner, _ = accounted
    user = owner if who == "owner" else manager_of(make_round())
    with pytest.raises(PermissionDenied):
        application_settle(user=user, application=application, amount=Decimal(1), text="x")
    with pytest.raises(PermissionDenied):
        application_reclaim(user=user, application=application, amount=Decimal(1), reason="x")


def test_reclaiming_settles_the_award_at_the_rest(accounted, mailoutbox):
    application, owner, manager = accounted

    application_reclaim(
        user=manager, application=application, amount=Decimal(100), reason="Minder uitgegeven."
    )

    application.refresh_from_db()
    assert application.grant == Grant.RECLAIMED
    assert application.reclaimed_amount == Decimal(100)
    assert application.settled_amount == Decimal(900)
    assert "Terugvordering" in mailoutbox[0].subject and "Minder uitgegeven." in mailoutbox[0].body


@pytest.mark.parametrize("amount", ["0", "1000.01"])
def test_a_reclaim_outside_what_was_paid_is_refused(accounted, amount):
    application, _, manager = accounted
    with pytest.raises(ValidationError):
        application_reclaim(
            user=manager, application=application, amount=Decimal(amount), reason="x"
        )
    application.refresh_from_db()
    assert application.grant == Grant.ACCOUNTED and application.reclaimed_amount is None


def test_no_more_is_reclaimed_than_was_paid(accounted):
    application, _, manager = accounted
    Payment.objects.create(
        application=application, amount=Decimal(600), payee_name="S", iban="NL91ABNA0417164300"
    )
    with pytest.raises(ValidationError):
        application_reclaim(user=manager, application=application, amount=Decimal(601), reason="x")


def test_a_settlement_below_what_was_paid_is_followed_by_the_reclaim(accounted):
    application, _, manager = accounted
    application_settle(user=manager, application=application, amount=Decimal(800), text="800.")

    application_reclaim(user=manager, application=application, amount=Decimal(200), reason="Rest")

    application.refresh_from_db()
    assert (application.grant, application.settled_amount) == (Grant.RECLAIMED, Decimal(800))


def test_a_settlement_at_the_whole_award_cannot_be_reclaimed(accounted):
    application, _, manager = accounted
    application_settle(user=manager, application=application, amount=Decimal(1000), text="Ja.")
    with pytest.raises(ValidationError):
        application_reclaim(user=manager, application=application, amount=Decimal(1), reason="x")


def test_an_unaccounted_award_is_reclaimed_only_after_its_due_date(award):
    application, _, manager = award
    with pytest.raises(ValidationError):
        application_reclaim(
            user=manager, application=application, amount=Decimal(1000), reason="Niets."
        )
    Application.objects.filter(pk=application.pk).update(
        accountability_due=datetime.date.today() - datetime.timedelta(days=1)
    )

    application_reclaim(user=manager, application=application, amount=Decimal(1000), reason="Niets")

    application.refresh_from_db()
    assert (application.grant, application.settled_amount) == (Grant.RECLAIMED, Decimal(0))


# --- The table of transitions -------------------------------------------------------------------


def test_the_transition_table_names_every_move_and_nothing_else():
    assert set(services.TRANSITIONS) == {
        (Grant.PAID, Grant.ACCOUNTED),
        (Grant.PAID, Grant.RECLAIMED),
        (Grant.ACCOUNTED, Grant.SETTLED),
        (Grant.ACCOUNTED, Grant.RECLAIMED),
        (Grant.SETTLED, Grant.RECLAIMED),
    }


def test_the_pages_ask_the_table_what_comes_next(award, accounted):
    paid, _, _ = award
    accounted_application, _, manager = accounted
    today = datetime.date.today()
    assert services.next_grants(paid, today) == [Grant.ACCOUNTED]
    assert services.next_grants(paid, paid.accountability_due + datetime.timedelta(days=1)) == [
        Grant.ACCOUNTED,
        Grant.RECLAIMED,
    ]
    assert services.next_grants(accounted_application, today) == [Grant.SETTLED, Grant.RECLAIMED]
    application_settle(
        user=manager, application=accounted_application, amount=Decimal(1000), text="Ja."
    )
    accounted_application.refresh_from_db()
    assert services.next_grants(accounted_application, today) == []


# --- The manager's pages ----------------------------------------------------------------------


def test_the_manager_reads_the_accountability_and_settles_through_the_page(client, accounted):
    application, _, manager = accounted
    client.force_login(manager)
    url = reverse("funding_manage_accountability", args=[application.pk])
    html = client.get(url).content.decode()
    assert "De kas staat er." in html and "settle-amount" in html and "reclaim-amount" in html

    refused = client.post(url, {"settle-amount": "5000", "settle-text": "Te veel"})
    done = client.post(url, {"settle-amount": "1000", "settle-text": "Vastgesteld."})

    assert refused.status_code == 200 and "settle-amount" in refused.content.decode()
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.grant == Grant.SETTLED


def test_the_manager_reclaims_through_the_page(client, accounted):
    application, _, manager = accounted
    client.force_login(manager)
    url = reverse("funding_manage_reclaim", args=[application.pk])

    refused = client.post(url, {"reclaim-amount": "0", "reclaim-reason": "x"})
    done = client.post(url, {"reclaim-amount": "250", "reclaim-reason": "Over."})

    assert refused.status_code == 200
    assert done.status_code == 302
    application.refresh_from_db()
    assert (application.grant, application.reclaimed_amount) == (Grant.RECLAIMED, Decimal(250))


def test_the_overview_lists_late_due_and_to_settle_in_constant_queries(
    client, django_assert_max_num_queries
):
    round_ = make_round(pot="50000")
    manager = manager_of(round_)
    today = datetime.date.today()
    late, _ = paid_award(round_, due=today - datetime.timedelta(days=3))
    soon, _ = paid_award(round_, due=today + datetime.timedelta(days=10))
    later, _ = paid_award(round_, due=today + datetime.timedelta(days=100))
    to_settle, _ = accounted_award(round_)
    client.force_login(manager)
    with django_assert_max_num_queries(15):
        html = client.get("/mijn/regelingen/").content.decode()
    section = html.split('id="accountability-watch-title"')[1]
    for application in (late, soon, to_settle):
        assert f"/mijn/regelingen/aanvragen/{application.pk}/verantwoording/" in section
    assert f"/aanvragen/{later.pk}/verantwoording/" not in section
    for _ in range(5):
        paid_award(round_, due=today - datetime.timedelta(days=1))
        accounted_award(round_)
    with django_assert_max_num_queries(15):
        client.get("/mijn/regelingen/")


# --- Timers ---------------------------------------------------------------------------------------


def test_beat_reminds_the_applicants_once_and_marks_overdue_once(mailoutbox):
    round_ = make_round()
    due = datetime.date(2027, 6, 30)
    application, owner = paid_award(round_, due=due)
    manager = manager_of(round_)
    accounted, _ = accounted_award(round_, due=due)  # accounted: no timers
    mailoutbox.clear()
    reminded, overdue = [], []
    day = datetime.date(2027, 6, 1)
    while day <= datetime.date(2027, 7, 10):
        for hour in (8, 14):  # beat twice a day: a retry, a second beat
            moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)
            with time_machine.travel(moment, tick=False):
                counts = accountability_timers(today=day)
            reminded += [day] * counts["reminded"]
            overdue += [day] * counts["overdue"]
        day += datetime.timedelta(days=1)

    assert reminded == [datetime.date(2027, 6, 16)]  # 14 days before, once
    assert overdue == [datetime.date(2027, 7, 1)]  # the day after, once
    assert [m.to for m in mailoutbox] == [[owner.email], [manager.email]]
    assert "30 juni 2027" in mailoutbox[0].body and "30 juni 2027" in mailoutbox[1].body
    application.refresh_from_db()
    accounted.refresh_from_db()
    assert application.accountability_overdue_at.astimezone(AMSTERDAM).date() == datetime.date(
        2027, 7, 1
    )
    assert accounted.accountability_reminded_at is None
    assert accounted.accountability_overdue_at is None


def test_the_daily_task_runs_the_timers(mailoutbox):
    from funding.tasks import accountability_timers_daily

    paid_award(due=datetime.date.today())
    assert accountability_timers_daily() == {"overdue": 0, "reminded": 1}


# --- Eligibility: every earlier award settled ---------------------------------------------------


def _settled_check(application):
    later = make_round(slug="later", requires_awards_settled=True)
    later.fund = application.round.fund
    later.save()
    return next(c for c in evaluate(later, application.initiative) if c.rule == "settled")


def test_an_accounted_award_not_yet_settled_holds_the_next_one_back(accounted):
    application, _, _ = accounted
    assert _settled_check(application).met is False


def test_a_settled_award_lets_the_next_one_through(accounted):
    application, _, manager = accounted
    application_settle(user=manager, application=application, amount=Decimal(900), text="Ok.")
    assert _settled_check(application).met is True


def test_a_reclaimed_award_lets_the_next_one_through(accounted):
    application, _, manager = accounted
    application_reclaim(user=manager, application=application, amount=Decimal(900), reason="x")
    assert _settled_check(application).met is True


# --- Privacy ---------------------------------------------------------------------------------


def test_the_export_holds_what_the_person_submitted(accounted):
    application, owner, _ = accounted
    exported = person_export(user=owner)["funding_accountabilities"]
    assert [(a["done"], a["story"], a["spent"]) for a in exported] == [
        ("De kas staat er.", "Onze kas.", "900.00")
    ]


def test_erasure_keeps_the_accountability_and_receipts_without_the_person(accounted, roots):
    application, owner, _ = accounted
    accountability = application.accountability
    Receipt.objects.create(
        accountability=accountability, file="funding/receipts/x.pdf", description="Hout",
        amount=Decimal(5),
    )  # fmt: skip

    erasure = person_erase(user=owner)

    accountability.refresh_from_db()
    assert accountability.submitted_by is None
    assert accountability.receipts.count() == 1
    assert not accountability.history.filter(submitted_by_id=owner.pk).exists()
    assert erasure.counts["funding_accountabilities_pseudonymised"] == 1
