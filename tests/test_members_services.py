"""members.services: the membership lifecycle, dues, AVG export and erasure, and the audit trail.

Every service test checks the change itself and that the history row names the acting user
and the fields that changed.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from members import services
from members.models import ContactErasure, ContactPerson, Dues, MemberOrganisation, Membership
from outbox.models import OutgoingMail
from tests.factories import UserFactory
from tests.member_factories import (
    ContactPersonFactory,
    DuesFactory,
    MemberOrganisationFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

Status = Membership.Status
TODAY = timezone.localdate
A_WHILE_AGO = datetime.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted in their msgid language, whatever the translations say.
    with translation.override("en"):
        yield


@pytest.fixture
def organisation():
    return MemberOrganisationFactory(name="Bewonersorganisatie Beijum")


def assert_recorded(obj, user, *changed, history_type="~"):
    """The newest history row of obj names the user and, for a change, the changed fields."""
    row = obj.history.latest()
    assert row.history_user == user
    assert row.history_type == history_type
    assert row.history_change_reason
    if changed:
        delta = row.diff_against(row.prev_record)
        assert set(changed) <= set(delta.changed_fields)


# --- Membership lifecycle ----------------------------------------------------------------


def test_apply_registers_a_prospect_and_records_who(staff, organisation):
    membership = services.membership_apply(organisation=organisation, by=staff)

    assert membership.status == Status.PROSPECT
    assert membership.applied_on == TODAY()
    assert_recorded(membership, staff, history_type="+")


@pytest.mark.parametrize("trait", ["prospect", "active", "suspended"])
def test_apply_is_refused_while_a_membership_is_current(staff, organisation, trait):
    MembershipFactory(organisation=organisation, **({} if trait == "prospect" else {trait: True}))

    with pytest.raises(ValidationError, match="already has a membership"):
        services.membership_apply(organisation=organisation, by=staff)
    assert organisation.memberships.count() == 1


def test_a_former_member_rejoins_with_a_new_membership_and_the_old_one_stays(staff, organisation):
    old = MembershipFactory(organisation=organisation, ended=True)

    new = services.membership_apply(organisation=organisation, by=staff)

    assert new.pk != old.pk
    assert list(organisation.memberships.order_by("pk").values_list("status", flat=True)) == [
        Status.ENDED,
        Status.PROSPECT,
    ]
    old.refresh_from_db()
    assert old.reason == "Opgeheven."


def test_rejoining_cannot_begin_before_the_previous_membership_ended(staff, organisation):
    MembershipFactory(organisation=organisation, ended=True)  # ended 31 December 2024

    with pytest.raises(ValidationError, match="before the previous one ended"):
        services.membership_apply(
            organisation=organisation, by=staff, applied_on=datetime.date(2024, 12, 1)
        )


def test_activate_makes_a_prospect_a_member_and_records_the_change(staff):
    membership = MembershipFactory()

    services.membership_activate(membership=membership, by=staff, started_on=A_WHILE_AGO)

    membership.refresh_from_db()
    assert (membership.status, membership.started_on) == (Status.ACTIVE, A_WHILE_AGO)
    assert_recorded(membership, staff, "status", "started_on")


@pytest.mark.parametrize("trait", ["active", "suspended", "ended"])
def test_only_a_prospect_can_be_activated(staff, trait):
    membership = MembershipFactory(**{trait: True})

    with pytest.raises(ValidationError, match="Only a prospective membership"):
        services.membership_activate(membership=membership, by=staff)


def test_a_membership_cannot_start_before_the_application(staff):
    membership = MembershipFactory(applied_on=datetime.date(2024, 3, 1))

    with pytest.raises(ValidationError, match="before the application date"):
        services.membership_activate(
            membership=membership, by=staff, started_on=datetime.date(2024, 2, 1)
        )


def test_suspend_records_date_reason_and_who(staff):
    membership = MembershipFactory(active=True)

    services.membership_suspend(
        membership=membership, by=staff, reason="Twee jaar niet betaald.", suspended_on=A_WHILE_AGO
    )

    membership.refresh_from_db()
    assert membership.status == Status.SUSPENDED
    assert (membership.suspended_on, membership.reason) == (A_WHILE_AGO, "Twee jaar niet betaald.")
    assert_recorded(membership, staff, "status", "suspended_on", "reason")


def test_suspend_needs_a_reason(staff):
    membership = MembershipFactory(active=True)

    with pytest.raises(ValidationError, match="reason for the suspension"):
        services.membership_suspend(membership=membership, by=staff, reason="   ")
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_only_an_active_membership_can_be_suspended(staff):
    with pytest.raises(ValidationError, match="Only an active membership"):
        services.membership_suspend(membership=MembershipFactory(), by=staff, reason="x")


def test_resume_makes_a_suspended_membership_active_and_keeps_the_suspension_in_history(staff):
    membership = MembershipFactory(suspended=True)

    services.membership_resume(membership=membership, by=staff)

    membership.refresh_from_db()
    assert (membership.status, membership.suspended_on, membership.reason) == (
        Status.ACTIVE,
        None,
        "",
    )
    assert_recorded(membership, staff, "status", "suspended_on")
    assert membership.history.filter(status=Status.SUSPENDED).exists()


def test_only_a_suspended_membership_can_be_resumed(staff):
    with pytest.raises(ValidationError, match="Only a suspended membership"):
        services.membership_resume(membership=MembershipFactory(active=True), by=staff)


@pytest.mark.parametrize("trait", ["prospect", "active", "suspended"])
def test_end_closes_a_current_membership_with_date_and_reason(staff, trait):
    membership = MembershipFactory(**({} if trait == "prospect" else {trait: True}))

    services.membership_end(
        membership=membership, by=staff, reason="Vereniging opgeheven.", ended_on=A_WHILE_AGO
    )

    membership.refresh_from_db()
    assert (membership.status, membership.ended_on, membership.reason) == (
        Status.ENDED,
        A_WHILE_AGO,
        "Vereniging opgeheven.",
    )
    assert_recorded(membership, staff, "status", "ended_on")


def test_an_ended_membership_cannot_end_again(staff):
    membership = MembershipFactory(ended=True)

    with pytest.raises(ValidationError, match="already ended"):
        services.membership_end(membership=membership, by=staff, reason="Nogmaals.")
    assert membership.history.count() == 1


def test_end_needs_a_reason(staff):
    with pytest.raises(ValidationError, match="reason why the membership ends"):
        services.membership_end(membership=MembershipFactory(active=True), by=staff, reason="")


def test_end_date_cannot_be_in_the_future_or_before_the_start(staff):
    membership = MembershipFactory(active=True)  # started 1 February 2023

    with pytest.raises(ValidationError, match="future"):
        services.membership_end(
            membership=membership,
            by=staff,
            reason="x",
            ended_on=TODAY() + datetime.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="cannot be before"):
        services.membership_end(
            membership=membership, by=staff, reason="x", ended_on=datetime.date(2023, 1, 20)
        )


def test_a_stale_copy_cannot_undo_a_transition(staff):
    # Two staff members open the same membership; the second acts on what they saw.
    membership = MembershipFactory(active=True)
    stale = Membership.objects.get(pk=membership.pk)
    services.membership_end(membership=membership, by=staff, reason="Opgezegd.")

    with pytest.raises(ValidationError, match="Only an active membership"):
        services.membership_suspend(membership=stale, by=staff, reason="Niet betaald.")


def test_services_refuse_staff_outside_the_lsa_group(organisation):
    outsider = UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        services.membership_apply(organisation=organisation, by=outsider)
    assert not organisation.memberships.exists()


# --- Database constraints ----------------------------------------------------------------


def test_the_database_refuses_two_current_memberships(organisation):
    MembershipFactory(organisation=organisation, active=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            organisation=organisation, status=Status.PROSPECT, applied_on=TODAY()
        )


def test_the_database_refuses_a_duplicate_kvk_number():
    MemberOrganisationFactory(kvk_number="12345678")

    with pytest.raises(IntegrityError), transaction.atomic():
        MemberOrganisationFactory(kvk_number="12345678")


def test_the_database_allows_many_organisations_without_kvk_number():
    MemberOrganisationFactory(kvk_number="")
    MemberOrganisationFactory(kvk_number="")

    assert MemberOrganisation.objects.filter(kvk_number="").count() == 2


def test_the_database_refuses_a_kvk_number_of_seven_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberOrganisationFactory(kvk_number="1234567")


def test_the_database_refuses_two_dues_rows_for_one_year(organisation):
    DuesFactory(organisation=organisation, year=2025)

    with pytest.raises(IntegrityError), transaction.atomic():
        Dues.objects.create(organisation=organisation, year=2025, amount=Decimal("10"))


# --- Dues --------------------------------------------------------------------------------


def test_invoice_records_the_dues_of_a_year(staff, organisation):
    dues = services.dues_invoice(organisation=organisation, year=2025, amount="75", by=staff)

    assert (dues.year, dues.amount, dues.invoiced_on, dues.paid_on) == (
        2025,
        Decimal("75.00"),
        TODAY(),
        None,
    )
    assert_recorded(dues, staff, history_type="+")


def test_a_second_invoice_for_the_same_year_is_refused_clearly(staff, organisation):
    DuesFactory(organisation=organisation, year=2025)

    with pytest.raises(ValidationError) as refused:
        services.dues_invoice(organisation=organisation, year=2025, amount=75, by=staff)
    assert refused.value.messages == ["Bewonersorganisatie Beijum already has dues for 2025."]
    assert organisation.dues.count() == 1


@pytest.mark.parametrize(
    ("year", "amount", "message"),
    [(2025, "-1", "negative"), (1980, "75", "between"), (2025, "veel", "amount in euros")],
)
def test_invoice_refuses_bad_input(staff, organisation, year, amount, message):
    with pytest.raises(ValidationError, match=message):
        services.dues_invoice(organisation=organisation, year=year, amount=amount, by=staff)


def test_mark_paid_records_the_payment_and_who(staff):
    dues = DuesFactory(outstanding=True)

    services.dues_mark_paid(dues=dues, by=staff, paid_on=A_WHILE_AGO)

    dues.refresh_from_db()
    assert dues.paid_on == A_WHILE_AGO
    assert_recorded(dues, staff, "paid_on")


def test_paid_dues_cannot_be_paid_again(staff):
    dues = DuesFactory(paid=True)

    with pytest.raises(ValidationError, match="already paid on 1 February 2025"):
        services.dues_mark_paid(dues=dues, by=staff)


def test_dues_that_were_not_invoiced_cannot_be_marked_paid(staff):
    with pytest.raises(ValidationError, match="not been invoiced"):
        services.dues_mark_paid(dues=DuesFactory(), by=staff)


@pytest.fixture
def unpaid(organisation):
    ContactPersonFactory(
        organisation=organisation, name="Piet Pieters", email="secretaris@example.org"
    )
    ContactPersonFactory(
        organisation=organisation,
        name="Anna de Vries",
        email="voorzitter@example.org",
        is_primary=True,
    )
    return DuesFactory(organisation=organisation, year=2025, outstanding=True)


def test_reminder_mails_the_primary_contact_in_dutch_and_counts_it(staff, unpaid):
    services.dues_send_reminder(dues=unpaid, by=staff)

    unpaid.refresh_from_db()
    assert (unpaid.reminders_sent, unpaid.last_reminder_on) == (1, TODAY())
    assert_recorded(unpaid, staff, "reminders_sent", "last_reminder_on")
    [message] = mail.outbox
    assert message.to == ["voorzitter@example.org"]
    assert message.reply_to == [staff.email]
    assert "contributie 2025" in message.subject
    assert "Beste Anna de Vries" in message.body
    assert "€ 75,00" in message.body
    assert "15 januari 2025" in message.body


def test_reminder_is_stored_in_the_outbox_with_the_write(settings, staff, unpaid):
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"

    services.dues_send_reminder(dues=unpaid, by=staff)

    assert list(OutgoingMail.objects.values_list("to", flat=True)) == [["voorzitter@example.org"]]


def test_a_second_reminder_on_the_same_day_is_refused(staff, unpaid):
    services.dues_send_reminder(dues=unpaid, by=staff)

    with pytest.raises(ValidationError, match="already sent today"):
        services.dues_send_reminder(dues=unpaid, by=staff)
    unpaid.refresh_from_db()
    assert unpaid.reminders_sent == 1
    assert len(mail.outbox) == 1


def test_a_later_reminder_counts_up(staff, unpaid):
    unpaid.reminders_sent, unpaid.last_reminder_on = 2, A_WHILE_AGO
    unpaid.save()

    services.dues_send_reminder(dues=unpaid, by=staff)

    unpaid.refresh_from_db()
    assert unpaid.reminders_sent == 3


def test_no_reminder_for_paid_dues(staff):
    with pytest.raises(ValidationError, match="have been paid"):
        services.dues_send_reminder(dues=DuesFactory(paid=True), by=staff)
    assert mail.outbox == []


@pytest.mark.parametrize("contact", ["none", "not_primary", "without_email"])
def test_no_reminder_without_a_primary_contact_with_an_email_address(staff, organisation, contact):
    if contact == "not_primary":
        ContactPersonFactory(organisation=organisation)
    if contact == "without_email":
        ContactPersonFactory(organisation=organisation, is_primary=True, email="")
    dues = DuesFactory(organisation=organisation, outstanding=True)

    with pytest.raises(ValidationError, match="no primary contact person with an e-mail"):
        services.dues_send_reminder(dues=dues, by=staff)
    dues.refresh_from_db()
    assert dues.reminders_sent == 0
    assert mail.outbox == []


# --- AVG: export and erasure -------------------------------------------------------------


@pytest.fixture
def contact(organisation):
    person = ContactPersonFactory(
        organisation=organisation,
        name="Jan Jansen",
        email="jan@example.org",
        phone="06-11112222",
        role="penningmeester",
        is_primary=True,
    )
    person.email = "jan.jansen@example.org"
    person.save()
    return person


def test_export_contains_the_persons_data_and_every_history_row(settings, staff, contact):
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"
    DuesFactory(organisation=contact.organisation, outstanding=True)
    services.dues_send_reminder(dues=contact.organisation.dues.get(), by=staff)

    export = services.contact_export(contact=contact)

    json.dumps(export)  # serialisable as it is
    person = export["contact_person"]
    assert (person["name"], person["email"], person["phone"], person["role"]) == (
        "Jan Jansen",
        "jan.jansen@example.org",
        "06-11112222",
        "penningmeester",
    )
    assert person["organisation"]["name"] == "Bewonersorganisatie Beijum"
    assert [row["change"] for row in export["history"]] == ["created", "changed"]
    assert [row["email"] for row in export["history"]] == [
        "jan@example.org",
        "jan.jansen@example.org",
    ]
    [reminder] = export["mails"]
    assert reminder["to"] == ["jan.jansen@example.org"]


def test_export_leaves_out_other_people(organisation, contact):
    ContactPersonFactory(
        organisation=organisation, name="Klaas Klaassen", email="klaas@example.org"
    )

    text = json.dumps(services.contact_export(contact=contact))

    assert "Klaas" not in text
    assert "klaas@example.org" not in text


def test_erase_deletes_the_person_redacts_their_history_and_records_the_erasure(
    staff, organisation, contact
):
    other = ContactPersonFactory(organisation=organisation, name="Klaas Klaassen")
    rows_before = ContactPerson.history.filter(id=contact.pk).count()  # created + changed

    erasure = services.contact_erase(contact=contact, by=staff)

    assert not ContactPerson.objects.filter(pk=contact.pk).exists()
    assert MemberOrganisation.objects.filter(pk=organisation.pk).exists()
    rows = ContactPerson.history.filter(id=contact.pk).order_by("history_date")
    assert rows.count() == rows_before + 1  # the deletion is recorded too
    for row in rows:
        assert (row.name, row.email, row.phone, row.role) == ("[verwijderd]", "", "", "")
        assert row.history_date is not None
    assert rows.last().history_type == "-"
    assert rows.last().history_user == staff
    assert (erasure.contact_id, erasure.organisation, erasure.erased_by) == (
        contact.pk,
        organisation,
        staff,
    )
    assert erasure.history_rows_redacted == rows_before + 1
    assert ContactErasure.objects.count() == 1
    assert other.history.get().name == "Klaas Klaassen"


def test_erase_leaves_no_trace_of_the_person_in_the_history(staff, contact):
    services.contact_erase(contact=contact, by=staff)

    values = [str(v) for row in ContactPerson.history.values() for v in row.values()]
    assert not [v for v in values if "Jan" in v or "jan" in v or "06-1111" in v]


def test_a_person_erased_by_someone_else_meanwhile_is_not_erased_twice(staff, contact):
    stale = ContactPerson.objects.get(pk=contact.pk)
    services.contact_erase(contact=contact, by=staff)

    with pytest.raises(ValidationError, match="already been erased"):
        services.contact_erase(contact=stale, by=staff)
    assert ContactErasure.objects.count() == 1


def test_erase_needs_the_right_to_delete_contacts(contact):
    with pytest.raises(PermissionDenied):
        services.contact_erase(contact=contact, by=UserFactory(is_staff=True))
    assert ContactPerson.objects.filter(pk=contact.pk).exists()
