"""Paying awards (issue #21, funding/payments.py): batches under row locks, the SEPA credit
transfer file validated against the pain.001.001.03 XSD, the CSV, the warning for one IBAN
paid to several initiatives, "paid on" (grant, accountability due, mail), the payment timers
with a frozen clock, and the fund manager's pages."""

import csv
import datetime
import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sepaxml
import time_machine
import xmlschema
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from funding.models import Application, Payment, PaymentBatch
from funding.payments import (
    awards_to_pay,
    end_to_end_id,
    pain001,
    payment_batch_create,
    payment_batch_mark_paid,
    shared_ibans,
)
from funding.terms import months_after
from funding.timers import payment_timers
from privacy.services import person_erase, person_export
from tests.funding_helpers import (
    FUND_IBAN,
    IBAN,
    award,
    complete_draft,
    fund_account,
    make_round,
    manager_of,
)

pytestmark = pytest.mark.django_db
Grant = Application.Grant
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
OTHER_IBAN = "NL20INGB0001234567"


def parsed(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - the file our own code just made


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


@pytest.fixture
def paying():
    """A round whose fund has an account, its manager, and two awards to pay."""
    round_ = fund_account(make_round(pot="10000"))
    manager = manager_of(round_)
    first = award(round_, "1000", manager=manager)
    second = award(round_, "2000", manager=manager, partly="1500", iban=OTHER_IBAN)
    return {"round": round_, "manager": manager, "awards": [first, second]}


def make_batch(paying, awards=None, day=None) -> PaymentBatch:
    return payment_batch_create(
        user=paying["manager"],
        round_=paying["round"],
        applications=awards or paying["awards"],
        execution_date=day or timezone.localdate() + datetime.timedelta(days=1),
    )


# --- Batches ----------------------------------------------------------------------------


def test_a_batch_pays_each_award_its_awarded_amount_to_its_payee(paying):
    first, second = paying["awards"]
    assert list(awards_to_pay(paying["round"])) == [first, second]

    batch = make_batch(paying)

    payments = list(batch.payments.order_by("application"))
    assert [(p.application, p.amount, p.payee_name, p.iban) for p in payments] == [
        (first, Decimal(1000), "Stichting De Tuin", IBAN),
        (second, Decimal(1500), "Stichting De Tuin", OTHER_IBAN),
    ]
    assert batch.created_by == paying["manager"] and batch.paid_on is None
    assert len(batch.message_id) <= 35
    assert list(awards_to_pay(paying["round"])) == []
    first.refresh_from_db()
    assert first.grant == Grant.AWARDED  # paid only when the bank has paid


def test_an_award_is_never_put_in_two_batches(paying):
    make_batch(paying, paying["awards"][:1])

    with pytest.raises(ValidationError) as refused:
        make_batch(paying, paying["awards"])

    assert "zit al in een betaalopdracht" in str(refused.value)
    assert Payment.objects.count() == 1 and PaymentBatch.objects.count() == 1


def test_a_fund_without_an_account_to_pay_from_is_told_where_to_set_it():
    round_ = make_round()
    manager = manager_of(round_)
    awarded = award(round_, manager=manager)

    with pytest.raises(ValidationError) as refused:
        payment_batch_create(
            user=manager,
            round_=round_,
            applications=[awarded],
            execution_date=timezone.localdate(),
        )

    assert "/beheer/" in refused.value.messages[0] and "rekeninghouder" in str(refused.value)
    assert not PaymentBatch.objects.exists()


def test_only_the_funds_managers_make_a_batch_and_not_for_a_day_gone_by(paying):
    with pytest.raises(PermissionDenied):
        payment_batch_create(
            user=manager_of(make_round()),
            round_=paying["round"],
            applications=paying["awards"],
            execution_date=timezone.localdate(),
        )
    with pytest.raises(ValidationError):
        make_batch(paying, day=timezone.localdate() - datetime.timedelta(days=1))
    assert not PaymentBatch.objects.exists()


def test_an_application_that_is_no_award_cannot_be_paid(paying):
    draft, _owner = complete_draft(paying["round"])
    with pytest.raises(ValidationError):
        make_batch(paying, [draft])
    assert not Payment.objects.exists()


# --- The bank file ----------------------------------------------------------------------


def test_the_sepa_file_validates_against_the_pain_001_001_03_xsd(paying):
    first, second = paying["awards"]
    batch = make_batch(paying)

    content = pain001(batch)

    xmlschema.XMLSchema(str(XSD)).validate(content.decode())  # raises when it does not
    root = parsed(content)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=NS) == batch.message_id
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "2500.00"
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Stichting Impuls"
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == FUND_IBAN
    assert info.findtext("p:ReqdExctnDt", namespaces=NS) == batch.execution_date.isoformat()
    transactions = info.findall("p:CdtTrfTxInf", NS)
    assert [t.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for t in transactions] == [
        end_to_end_id(first),
        end_to_end_id(second),
    ]
    assert [t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) for t in transactions] == [
        IBAN,
        OTHER_IBAN,
    ]
    assert [t.find("p:Amt/p:InstdAmt", NS).text for t in transactions] == ["1000.00", "1500.00"]
    assert transactions[0].findtext("p:RmtInf/p:Ustrd", namespaces=NS) == (
        f"Buurtbeurs Impuls 2027 {first.initiative.name}"
    )


def test_long_and_non_latin_names_still_make_a_valid_file(paying):
    first = paying["awards"][0]
    first.initiative.name = "Zoë’s moestuin 🌷 " + "ééé " * 32
    first.initiative.save(update_fields=["name"])
    Application.objects.filter(pk=first.pk).update(payee_name="Stichting Ελληνικά & Çà " * 5)
    batch = make_batch(paying)

    content = pain001(batch)

    xmlschema.XMLSchema(str(XSD)).validate(content.decode())
    root = parsed(content)
    remittances = [e.text for e in root.iter(f"{{{NS['p']}}}Ustrd")]
    assert all(len(text) <= 140 for text in remittances)
    assert remittances[0].startswith("Buurtbeurs Impuls 2027 Zoe")


def test_the_same_award_keeps_its_reference_in_every_file(paying):
    batch = make_batch(paying)
    first, second = (parsed(pain001(batch)) for _ in range(2))
    ids = [[e.text for e in root.iter(f"{{{NS['p']}}}EndToEndId")] for root in (first, second)]
    assert ids[0] == ids[1] == [f"BUURTBEURS-{a.pk}" for a in paying["awards"]]


# --- One IBAN for several initiatives --------------------------------------------------


def test_one_iban_paid_to_several_initiatives_is_a_warning(client, paying):
    third = award(paying["round"], "700", manager=paying["manager"], iban=IBAN)
    first = paying["awards"][0]

    shared = shared_ibans(paying["round"])

    assert [(s.iban, s.initiatives) for s in shared] == [
        (IBAN, sorted([first.initiative.name, third.initiative.name]))
    ]
    assert shared_ibans(paying["round"], among=[OTHER_IBAN]) == []
    client.force_login(paying["manager"])
    page = client.get(f"/mijn/regelingen/rondes/{paying['round'].pk}/betalingen/")
    assert "Controleer: één IBAN voor meer initiatieven" in page.content.decode()
    batch = make_batch(paying, [third])
    html = client.get(f"/mijn/regelingen/betalingen/{batch.pk}/").content.decode()
    assert "Controleer: één IBAN voor meer initiatieven" in html
    assert first.initiative.name in html


# --- Paid -------------------------------------------------------------------------------


@pytest.fixture
def batched(paying):
    """The two awards in a batch made on Monday 25 January 2027, paid within a month."""
    with time_machine.travel(at(datetime.date(2027, 1, 25)), tick=False):
        paying["batch"] = make_batch(paying, day=datetime.date(2027, 1, 29))
    Application.objects.filter(pk=paying["awards"][0].pk).update(
        payment_reminded_at=at(datetime.date(2027, 1, 20))
    )
    return paying


def test_marking_a_batch_paid_starts_the_accountability_term(batched, mailoutbox):
    round_ = batched["round"]
    round_.accountability_months = 1
    round_.save(update_fields=["accountability_months"])
    mailoutbox.clear()

    with time_machine.travel(at(datetime.date(2027, 2, 2)), tick=False):
        payment_batch_mark_paid(
            user=batched["manager"], batch=batched["batch"], paid_on=datetime.date(2027, 1, 31)
        )

    for awarded in batched["awards"]:
        awarded.refresh_from_db()
        assert awarded.grant == Grant.PAID
        # A calendar month after 31 January is the last day of February.
        assert awarded.accountability_due == datetime.date(2027, 2, 28)
        assert awarded.payment_reminded_at is None and awarded.payment_overdue_at is None
        assert awarded.payment.paid_on == datetime.date(2027, 1, 31)
        assert awarded.history.first().grant == Grant.PAID  # in the audit trail
    batched["batch"].refresh_from_db()
    assert batched["batch"].paid_on == datetime.date(2027, 1, 31)
    assert len(mailoutbox) == 2
    assert "31 januari 2027" in mailoutbox[0].body and "28 februari 2027" in mailoutbox[0].body
    assert IBAN not in mailoutbox[0].body  # only its last four digits


def test_a_batch_is_marked_paid_once_and_not_on_a_day_to_come(batched):
    manager, batch = batched["manager"], batched["batch"]
    with time_machine.travel(at(datetime.date(2027, 2, 2)), tick=False):
        with pytest.raises(ValidationError):
            payment_batch_mark_paid(user=manager, batch=batch, paid_on=datetime.date(2027, 2, 3))
        with pytest.raises(ValidationError):  # before the batch was made
            payment_batch_mark_paid(user=manager, batch=batch, paid_on=datetime.date(2027, 1, 24))
        with pytest.raises(PermissionDenied):
            payment_batch_mark_paid(
                user=manager_of(make_round()), batch=batch, paid_on=datetime.date(2027, 2, 1)
            )
        payment_batch_mark_paid(user=manager, batch=batch, paid_on=datetime.date(2027, 2, 1))
        with pytest.raises(ValidationError):
            payment_batch_mark_paid(user=manager, batch=batch, paid_on=datetime.date(2027, 2, 1))


def test_months_after_keeps_the_day_or_takes_the_months_last():
    assert months_after(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)
    assert months_after(datetime.date(2027, 11, 15), 6) == datetime.date(2028, 5, 15)
    assert months_after(datetime.date(2027, 8, 31), 6) == datetime.date(2028, 2, 29)
    assert months_after(datetime.date(2027, 3, 10), 24) == datetime.date(2029, 3, 10)


# --- Timers -------------------------------------------------------------------------------


def days(first: datetime.date, last: datetime.date):
    while first <= last:
        yield first
        first += datetime.timedelta(days=1)


def test_one_payment_reminder_and_one_overdue_mark(mailoutbox):
    with time_machine.travel(at(datetime.date(2027, 4, 29)), tick=False):
        round_ = make_round(opens_on=datetime.date(2027, 1, 1), payment_term=1)
        manager = manager_of(round_)
        awarded = award(round_, manager=manager)
        paid_already = award(round_, manager=manager)
    # A week from Thursday 29 April runs past Ascension Day (6 May) to Friday 7 May.
    assert awarded.payment_due == datetime.date(2027, 5, 7)
    Application.objects.filter(pk=paid_already.pk).update(grant=Grant.PAID)
    mailoutbox.clear()

    results = []
    for day in days(datetime.date(2027, 4, 29), datetime.date(2027, 5, 20)):
        for hour in (8, 14):  # a retry, a second beat
            with time_machine.travel(at(day, hour), tick=False):
                results.append((day, payment_timers(today=day)))

    assert [day for day, counts in results if counts["reminded"]] == [datetime.date(2027, 5, 2)]
    assert [day for day, counts in results if counts["overdue"]] == [datetime.date(2027, 5, 8)]
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert "7 mei 2027" in mailoutbox[0].body
    awarded.refresh_from_db()
    assert awarded.payment_overdue_at.astimezone(AMSTERDAM).date() == datetime.date(2027, 5, 8)
    paid_already.refresh_from_db()
    assert paid_already.payment_reminded_at is None and paid_already.payment_overdue_at is None


# --- The pages ----------------------------------------------------------------------------


def test_the_fund_manager_makes_a_batch_downloads_it_and_marks_it_paid(client, paying):
    first, second = paying["awards"]
    client.force_login(paying["manager"])
    url = f"/mijn/regelingen/rondes/{paying['round'].pk}/betalingen/"
    page = client.get(url).content.decode()
    assert f'value="{first.pk}"' in page and IBAN in page

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(url, {"applications": [first.pk], "execution_date": tomorrow})

    batch = PaymentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == (
        f"/mijn/regelingen/betalingen/{batch.pk}/"
    )
    html = client.get(response["Location"]).content.decode()
    assert "betaalopdracht.xml" in html and "betaalopdracht.csv" in html
    xml = client.get(f"/mijn/regelingen/betalingen/{batch.pk}/betaalopdracht.xml")
    assert xml["Content-Disposition"] == f'attachment; filename="{batch.message_id}.xml"'
    xmlschema.XMLSchema(str(XSD)).validate(xml.content.decode())
    paid = client.post(response["Location"], {"paid_on": timezone.localdate()})
    assert paid.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.grant, second.grant) == (Grant.PAID, Grant.AWARDED)


def test_the_batch_csv_lists_each_payment_for_a_spreadsheet(client, paying):
    batch = make_batch(paying)
    client.force_login(paying["manager"])

    response = client.get(f"/mijn/regelingen/betalingen/{batch.pk}/betaalopdracht.csv")

    assert response["Content-Disposition"] == f'attachment; filename="{batch.message_id}.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "Kenmerk",
        "Initiatief",
        "Rekeninghouder",
        "IBAN",
        "Bedrag",
        "Omschrijving",
        "Uitvoerdatum",
        "Betaald op",
    ]
    first = paying["awards"][0]
    assert rows[1][:5] == [
        f"BUURTBEURS-{first.pk}",
        first.initiative.name,
        "Stichting De Tuin",
        IBAN,
        "1000,00",
    ]
    assert len(rows) == 3


def test_bad_batch_input_is_a_form_error_not_a_batch(client, paying):
    client.force_login(paying["manager"])
    url = f"/mijn/regelingen/rondes/{paying['round'].pk}/betalingen/"
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for data in (
        {"execution_date": timezone.localdate()},
        {"applications": [paying["awards"][0].pk], "execution_date": yesterday},
        {"applications": ["999999", "abc"], "execution_date": timezone.localdate()},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.content.decode()
    assert not PaymentBatch.objects.exists()


def test_payments_late_or_due_this_week_on_the_overview_in_constant_queries(
    client, django_assert_max_num_queries
):
    round_ = make_round()
    manager = manager_of(round_)
    late = award(round_, manager=manager)
    Application.objects.filter(pk=late.pk).update(
        payment_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(manager)
    with CaptureQueriesContext(connection) as one:
        html = client.get("/mijn/regelingen/").content.decode()
    assert "Betalingen te laat / deze week" in html
    assert late.initiative.name in html and "(te laat)" in html

    for _ in range(3):
        soon = award(round_, manager=manager)
        Application.objects.filter(pk=soon.pk).update(payment_due=timezone.localdate())
    with django_assert_max_num_queries(len(one)):
        html = client.get("/mijn/regelingen/").content.decode()
    assert html.count("betalen uiterlijk") == 4


# --- A person's data ----------------------------------------------------------------------


def test_a_persons_payments_are_exported_and_kept_pseudonymised_on_erasure(paying):
    first = paying["awards"][0]
    owner = first.created_by
    Application.objects.filter(pk=first.pk).update(payee_name=f"{owner.full_name}, penningmeester")
    first.refresh_from_db()
    batch = make_batch(paying)

    exported = person_export(user=owner)["funding_payments"]

    assert [(row["amount"], row["iban"], row["paid_on"]) for row in exported] == [
        ("1000.00", IBAN, None)
    ]
    assert exported[0]["execution_date"] == batch.execution_date.isoformat()
    erasure = person_erase(user=owner)
    payment = Payment.objects.get(application=first)
    assert payment.payee_name == "[verwijderd]"
    assert (payment.amount, payment.iban) == (1000, IBAN)  # the funder's bookkeeping
    assert erasure.counts["funding_payments_pseudonymised"] == 1
    assert not payment.history.filter(payee_name__icontains=owner.full_name).exists()
