"""The member administration in /beheer/: who gets in, the daily actions and their audit trail,
the forms' messages, and the query counts of the busy pages."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from members.forms import MemberOrganisationAdminForm
from members.models import (
    KVK_NUMBER,
    ContactErasure,
    ContactPerson,
    Dues,
    MemberOrganisation,
    Membership,
)
from tests.admin_forms import rendered_form_data
from tests.factories import MunicipalityFactory, ProvinceFactory, UserFactory
from tests.member_factories import (
    ContactPersonFactory,
    DuesFactory,
    MemberOrganisationFactory,
    MembershipFactory,
    lsa_staff,
)

pytestmark = pytest.mark.django_db

Status = Membership.Status
ORGANISATIONS = reverse("admin:members_memberorganisation_changelist")
DUES = reverse("admin:members_dues_changelist")
DASHBOARD = reverse("admin:members_dashboard")


@pytest.fixture(autouse=True)
def english():
    # Pages and messages in their msgid language, whatever the translations say.
    with translation.override("en"):
        yield


def _client(client, user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, staff):
    return _client(client, staff)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _act(client, url, action, objects, **answers):
    data = {"action": action, "_selected_action": [obj.pk for obj in objects], **answers}
    return client.post(url, data, follow=True)


def assert_recorded(obj, user, *changed, history_type="~"):
    """The newest history row of obj names the user and, for a change, the changed fields."""
    row = obj.history.latest()
    assert row.history_user == user
    assert row.history_type == history_type
    if changed:
        delta = row.diff_against(row.prev_record)
        assert set(changed) <= set(delta.changed_fields)


# --- Who gets in -------------------------------------------------------------------------


@pytest.fixture
def world():
    organisation = MemberOrganisationFactory(member=True)
    contact = ContactPersonFactory(organisation=organisation, is_primary=True)
    return {"organisation": organisation, "contact": contact}


def _member_pages(world) -> list[str]:
    organisation, contact = world["organisation"], world["contact"]
    return [
        ORGANISATIONS,
        DASHBOARD,
        DUES,
        reverse("admin:members_membership_changelist"),
        reverse("admin:members_contactperson_changelist"),
        reverse("admin:members_contacterasure_changelist"),
        reverse("admin:members_memberorganisation_change", args=[organisation.pk]),
        reverse("admin:members_memberorganisation_history", args=[organisation.pk]),
        reverse("admin:members_contactperson_change", args=[contact.pk]),
        reverse("admin:members_contact_export", args=[contact.pk]),
        reverse("admin:members_contact_erase", args=[contact.pk]),
    ]


def test_anonymous_visitors_are_asked_to_log_in(client, world):
    for url in _member_pages(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/beheer/login/"), url


def test_staff_outside_the_lsa_group_are_refused(client, world):
    client = _client(client, UserFactory(is_staff=True))
    for url in _member_pages(world):
        assert client.get(url).status_code == 403, url


def test_staff_outside_the_lsa_group_do_not_see_the_members_app(client, world):
    client = _client(client, UserFactory(is_staff=True))

    assert "Member organisations" not in client.get("/beheer/").content.decode()


@pytest.mark.parametrize("role", ["lsa_staff", "superuser"])
def test_lsa_staff_and_superusers_reach_every_member_page(client, world, role):
    user = lsa_staff() if role == "lsa_staff" else User.objects.create_superuser("su@example.org")
    client = _client(client, user)
    for url in _member_pages(world):
        assert client.get(url).status_code == 200, url


def test_the_lsa_group_grants_the_member_permissions_and_read_only_history():
    user = lsa_staff()

    assert user.has_perms(
        [
            "members.view_memberorganisation",
            "members.change_membership",
            "members.add_dues",
            "members.delete_contactperson",
            "members.view_historicalcontactperson",
            "members.view_contacterasure",
        ]
    )
    assert not user.has_perm("members.delete_contacterasure")
    assert not user.has_perm("members.change_historicalcontactperson")


# --- The organisation list ---------------------------------------------------------------


def _members(count: int) -> None:
    for _ in range(count):
        organisation = MemberOrganisationFactory(member=True)
        ContactPersonFactory(organisation=organisation, is_primary=True)
        DuesFactory(organisation=organisation, outstanding=True)
        DuesFactory(organisation=organisation, year=2024, paid=True)


@pytest.mark.parametrize("count", [5, 50])
def test_the_organisation_list_costs_the_same_queries_for_5_or_50(
    staff_client, django_assert_max_num_queries, count
):
    _members(count)

    with django_assert_max_num_queries(10):
        response = staff_client.get(ORGANISATIONS)

    assert response.status_code == 200
    assert response.context["cl"].result_count == count


def test_the_list_shows_status_and_outstanding_dues(staff_client):
    organisation = MemberOrganisationFactory(name="Wijkraad Parkwijk", member=True)
    DuesFactory(organisation=organisation, year=2024, amount=Decimal("50"), outstanding=True)
    DuesFactory(organisation=organisation, year=2025, amount=Decimal("75"), outstanding=True)
    DuesFactory(organisation=organisation, year=2023, amount=Decimal("60"), paid=True)

    html = staff_client.get(ORGANISATIONS).content.decode()

    assert "Wijkraad Parkwijk" in html
    assert "active" in html
    assert "€ 125,00 (2)" in html


def _listed(client, query: str) -> set[str]:
    response = client.get(f"{ORGANISATIONS}?{query}")
    assert response.status_code == 200
    return {organisation.name for organisation in response.context["cl"].result_list}


def test_the_list_filters_by_membership_status_and_unpaid_dues(staff_client):
    active = MemberOrganisationFactory(name="Actief", member=True)
    DuesFactory(organisation=active, outstanding=True)
    suspended = MemberOrganisationFactory(name="Geschorst")
    MembershipFactory(organisation=suspended, suspended=True)
    former = MemberOrganisationFactory(name="Oud-lid")
    MembershipFactory(organisation=former, ended=True)
    rejoined = MemberOrganisationFactory(name="Teruggekeerd")
    MembershipFactory(organisation=rejoined, ended=True)
    MembershipFactory(organisation=rejoined, applied_on=datetime.date(2025, 3, 1))
    MemberOrganisationFactory(name="Nooit")

    assert _listed(staff_client, "membership=active") == {"Actief"}
    assert _listed(staff_client, "membership=suspended") == {"Geschorst"}
    assert _listed(staff_client, "membership=ended") == {"Oud-lid"}
    assert _listed(staff_client, "membership=prospect") == {"Teruggekeerd"}
    assert _listed(staff_client, "membership=none") == {"Nooit"}
    assert _listed(staff_client, "dues=unpaid") == {"Actief"}
    assert "Actief" not in _listed(staff_client, "dues=settled")


def test_the_list_filters_by_type_province_and_gemeente(staff_client):
    groningen = MunicipalityFactory(name="Groningen", province=ProvinceFactory(name="Groningen"))
    haarlem = MunicipalityFactory(name="Haarlem", province=ProvinceFactory(name="Noord-Holland"))
    MemberOrganisationFactory(
        name="Beijum", municipality=groningen, type=MemberOrganisation.Type.RESIDENTS_GROUP
    )
    MemberOrganisationFactory(
        name="Parkwijk", municipality=haarlem, type=MemberOrganisation.Type.NEIGHBOURHOOD_COUNCIL
    )

    assert _listed(staff_client, "type__exact=neighbourhood_council") == {"Parkwijk"}
    assert _listed(
        staff_client, f"municipality__province__code__exact={groningen.province_id}"
    ) == {"Beijum"}
    assert _listed(staff_client, f"municipality__code__exact={haarlem.pk}") == {"Parkwijk"}


@pytest.mark.parametrize(
    ("query", "found"), [("Beijum", "Beijum"), ("Groningen", "Beijum"), ("87654321", "Beijum")]
)
def test_the_list_searches_by_name_place_and_kvk(staff_client, query, found):
    groningen = MunicipalityFactory(name="Groningen")
    MemberOrganisationFactory(name="Beijum", municipality=groningen, kvk_number="87654321")
    MemberOrganisationFactory(name="Parkwijk", city="Haarlem")

    assert _listed(staff_client, f"q={query}") == {found}


# --- Membership actions ------------------------------------------------------------------


def test_action_register_application(staff_client, staff):
    organisation = MemberOrganisationFactory()

    response = _act(staff_client, ORGANISATIONS, "membership_apply", [organisation])

    membership = organisation.memberships.get()
    assert membership.status == Status.PROSPECT
    assert_recorded(membership, staff, history_type="+")
    assert _messages(response) == ["1 application registered."]


def test_action_activate(staff_client, staff):
    membership = MembershipFactory()

    _act(staff_client, ORGANISATIONS, "membership_activate", [membership.organisation])

    membership.refresh_from_db()
    assert (membership.status, membership.started_on) == (Status.ACTIVE, timezone.localdate())
    assert_recorded(membership, staff, "status", "started_on")


def test_action_suspend_asks_for_the_reason(staff_client, staff):
    membership = MembershipFactory(active=True)
    organisation = membership.organisation

    question = _act(staff_client, ORGANISATIONS, "membership_suspend", [organisation])
    assert question.status_code == 200
    assert question.templates[0].name == "admin/action_form.html"

    _act(
        staff_client,
        ORGANISATIONS,
        "membership_suspend",
        [organisation],
        confirm="1",
        reason="Contributie twee jaar niet betaald.",
        on="2025-03-01",
    )

    membership.refresh_from_db()
    assert membership.status == Status.SUSPENDED
    assert membership.suspended_on == datetime.date(2025, 3, 1)
    assert_recorded(membership, staff, "status", "suspended_on", "reason")


def test_action_resume(staff_client, staff):
    membership = MembershipFactory(suspended=True)

    _act(staff_client, ORGANISATIONS, "membership_resume", [membership.organisation])

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert_recorded(membership, staff, "status")


def test_action_end_asks_reason_and_date_then_ends_and_reports_refusals(staff_client, staff):
    membership = MembershipFactory(active=True)
    without = MemberOrganisationFactory(name="Zonder lidmaatschap")
    selected = [membership.organisation, without]

    question = _act(staff_client, ORGANISATIONS, "membership_end", selected)
    html = question.content.decode()
    assert "Reason" in html and "Ended on" in html
    assert "Zonder lidmaatschap" in html

    response = _act(
        staff_client,
        ORGANISATIONS,
        "membership_end",
        selected,
        confirm="1",
        reason="Vereniging opgeheven.",
        on="2025-06-30",
    )

    membership.refresh_from_db()
    assert (membership.status, membership.ended_on, membership.reason) == (
        Status.ENDED,
        datetime.date(2025, 6, 30),
        "Vereniging opgeheven.",
    )
    assert_recorded(membership, staff, "status", "ended_on", "reason")
    assert _messages(response) == [
        "1 membership ended.",
        "1 refused: Zonder lidmaatschap: no current membership.",
    ]


def test_action_end_without_a_reason_asks_again_and_changes_nothing(staff_client):
    membership = MembershipFactory(active=True)

    response = _act(
        staff_client,
        ORGANISATIONS,
        "membership_end",
        [membership.organisation],
        confirm="1",
        reason="",
        on="2025-06-30",
    )

    assert response.templates[0].name == "admin/action_form.html"
    assert "This field is required." in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_a_refused_transition_is_reported_with_its_reason(staff_client):
    membership = MembershipFactory(active=True)

    response = _act(staff_client, ORGANISATIONS, "membership_resume", [membership.organisation])

    [message] = _messages(response)
    assert "Only a suspended membership can be resumed; this one is active." in message


# --- Dues actions ------------------------------------------------------------------------


def test_action_invoice_dues(staff_client, staff):
    organisation = MemberOrganisationFactory(member=True)
    already = MemberOrganisationFactory(name="Al gefactureerd", member=True)
    DuesFactory(organisation=already, year=2025)

    response = _act(
        staff_client,
        ORGANISATIONS,
        "dues_invoice",
        [organisation, already],
        confirm="1",
        year="2025",
        amount="75.00",
        invoiced_on="2025-01-15",
    )

    dues = organisation.dues.get()
    assert (dues.year, dues.amount, dues.invoiced_on) == (
        2025,
        Decimal("75.00"),
        datetime.date(2025, 1, 15),
    )
    assert_recorded(dues, staff, history_type="+")
    assert _messages(response) == [
        "Dues invoiced for 1 organisation.",
        "1 refused: Al gefactureerd: Al gefactureerd already has dues for 2025.",
    ]


def test_action_mark_dues_paid_from_the_organisation_list(staff_client, staff):
    dues = DuesFactory(outstanding=True, year=2025)

    _act(
        staff_client,
        ORGANISATIONS,
        "dues_mark_paid",
        [dues.organisation],
        confirm="1",
        year="2025",
        paid_on="2025-02-10",
    )

    dues.refresh_from_db()
    assert dues.paid_on == datetime.date(2025, 2, 10)
    assert_recorded(dues, staff, "paid_on")


def test_action_mark_dues_paid_from_the_dues_list(staff_client, staff):
    unpaid = DuesFactory(outstanding=True)
    paid = DuesFactory(paid=True)

    response = _act(
        staff_client, DUES, "mark_paid", [unpaid, paid], confirm="1", paid_on="2025-02-10"
    )

    unpaid.refresh_from_db()
    assert unpaid.paid_on == datetime.date(2025, 2, 10)
    assert_recorded(unpaid, staff, "paid_on")
    assert paid.history.count() == 1
    success, refused = _messages(response)
    assert success == "1 dues payment recorded."
    assert "already paid on 1 February 2025" in refused


def test_action_send_reminder_from_the_organisation_list(staff_client, staff):
    dues = DuesFactory(outstanding=True)
    ContactPersonFactory(organisation=dues.organisation, is_primary=True, email="info@wijk.nl")

    response = _act(staff_client, ORGANISATIONS, "dues_send_reminder", [dues.organisation])

    dues.refresh_from_db()
    assert dues.reminders_sent == 1
    assert_recorded(dues, staff, "reminders_sent", "last_reminder_on")
    assert [message.to for message in mail.outbox] == [["info@wijk.nl"]]
    assert _messages(response) == ["1 reminder queued for sending."]


def test_action_send_reminder_from_the_dues_list_refuses_without_contact(staff_client, staff):
    dues = DuesFactory(outstanding=True)

    response = _act(staff_client, DUES, "send_reminder", [dues])

    [message] = _messages(response)
    assert "no primary contact person with an e-mail address" in message
    assert mail.outbox == []
    dues.refresh_from_db()
    assert dues.reminders_sent == 0


# --- The change form and its inlines -----------------------------------------------------


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _organisation_data(organisation, contacts=(), **changes) -> dict[str, str]:
    """The change form as the browser posts it, with the given contact rows."""
    data = {
        "name": organisation.name,
        "slug": organisation.slug,
        "type": organisation.type,
        "kvk_number": organisation.kvk_number,
        "website": "",
        "municipality": str(organisation.municipality_id),
        "district": "",
        "street_address": "",
        "postcode": "",
        "city": organisation.city,
        "story": "",
        "photo_alt": "",
        **_management("contacts", len(contacts), sum(1 for c in contacts if c.get("id"))),
        **_management("memberships", 0),
        **_management("dues", 0),
        **changes,
    }
    for index, contact in enumerate(contacts):
        row = {"organisation": str(organisation.pk), "role": "", "phone": "", **contact}
        data.update({f"contacts-{index}-{key}": value for key, value in row.items()})
    return data


def _change(client, organisation, data):
    url = reverse("admin:members_memberorganisation_change", args=[organisation.pk])
    return client.post(url, data)


def test_an_edit_in_the_change_form_is_recorded_with_who_and_what(staff_client, staff):
    organisation = MemberOrganisationFactory(name="Wijkvereniging De Leest")

    response = _change(
        staff_client,
        organisation,
        _organisation_data(organisation, name="Wijkvereniging De Leest Veghel"),
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Wijkvereniging De Leest Veghel"
    assert_recorded(organisation, staff, "name")


def test_the_history_page_shows_who_changed_what(staff_client, staff):
    organisation = MemberOrganisationFactory(name="Hart voor de K-buurt")
    _change(staff_client, organisation, _organisation_data(organisation, city="Amsterdam Zuidoost"))

    url = reverse("admin:members_memberorganisation_history", args=[organisation.pk])
    html = staff_client.get(url).content.decode()

    assert "Sanne van LSA" in html
    assert "Amsterdam Zuidoost" in html


def test_a_contact_added_in_the_inline_is_recorded_with_who(staff_client, staff):
    organisation = MemberOrganisationFactory()

    _change(
        staff_client,
        organisation,
        _organisation_data(
            organisation,
            contacts=[{"name": "Anna de Vries", "email": "anna@example.org", "is_primary": "on"}],
        ),
    )

    contact = organisation.contacts.get()
    assert (contact.name, contact.is_primary) == ("Anna de Vries", True)
    assert_recorded(contact, staff, history_type="+")


def test_the_full_change_form_saves_as_rendered_with_memberships_and_dues(staff_client, staff):
    organisation = MemberOrganisationFactory(name="Buurtbedrijf NuDe Toekomst")
    MembershipFactory(organisation=organisation, ended=True)
    MembershipFactory(organisation=organisation, applied_on=datetime.date(2025, 2, 1))
    DuesFactory(organisation=organisation, year=2024, paid=True)
    ContactPersonFactory(organisation=organisation, is_primary=True)
    url = reverse("admin:members_memberorganisation_change", args=[organisation.pk])
    data = rendered_form_data(staff_client.get(url).content.decode())
    data["dues-0-amount"] = ["80.00"]

    response = staff_client.post(url, data)

    assert response.status_code == 302
    dues = organisation.dues.get()
    assert dues.amount == Decimal("80.00")
    assert_recorded(dues, staff, "amount")
    assert organisation.memberships.count() == 2


def _kvk_errors(response) -> list[str]:
    return response.context["adminform"].form.errors.get("kvk_number", [])


def test_a_kvk_number_of_seven_digits_is_refused_with_a_clear_message(staff_client):
    organisation = MemberOrganisationFactory()

    response = _change(
        staff_client, organisation, _organisation_data(organisation, kvk_number="1234567")
    )

    assert response.status_code == 200
    assert _kvk_errors(response) == [str(KVK_NUMBER.message)]
    assert str(KVK_NUMBER.message) == "A KvK number has exactly 8 digits."


def test_the_form_refuses_a_kvk_number_of_seven_digits():
    form = MemberOrganisationAdminForm(
        data={"name": "X", "slug": "x", "type": "other", "kvk_number": "1234567"}
    )

    assert form.errors["kvk_number"] == ["A KvK number has exactly 8 digits."]


def test_a_kvk_number_with_spaces_or_dots_is_cleaned(staff_client):
    organisation = MemberOrganisationFactory()

    _change(staff_client, organisation, _organisation_data(organisation, kvk_number="1234 56.78"))

    organisation.refresh_from_db()
    assert organisation.kvk_number == "12345678"


def test_a_kvk_number_of_another_member_is_refused_with_a_clear_message(staff_client):
    MemberOrganisationFactory(kvk_number="12345678")
    organisation = MemberOrganisationFactory()

    response = _change(
        staff_client, organisation, _organisation_data(organisation, kvk_number="12345678")
    )

    assert response.status_code == 200
    assert _kvk_errors(response) == ["Another member organisation has this KvK number."]


def test_two_primary_contacts_in_one_save_are_refused_with_a_message(staff_client):
    organisation = MemberOrganisationFactory()

    response = _change(
        staff_client,
        organisation,
        _organisation_data(
            organisation,
            contacts=[
                {"name": "Anna", "email": "anna@example.org", "is_primary": "on"},
                {"name": "Bram", "email": "bram@example.org", "is_primary": "on"},
            ],
        ),
    )

    assert response.status_code == 200
    assert "Mark one contact person as primary, not 2." in response.content.decode()
    assert not organisation.contacts.exists()


def test_the_primary_mark_moves_to_another_contact_in_one_save(staff_client):
    organisation = MemberOrganisationFactory()
    anna = ContactPersonFactory(organisation=organisation, name="Anna", is_primary=True)
    bram = ContactPersonFactory(organisation=organisation, name="Bram")

    response = _change(
        staff_client,
        organisation,
        _organisation_data(
            organisation,
            contacts=[
                {"id": str(anna.pk), "name": "Anna", "email": anna.email},
                {"id": str(bram.pk), "name": "Bram", "email": bram.email, "is_primary": "on"},
            ],
        ),
    )

    assert response.status_code == 302
    assert organisation.contacts.get(is_primary=True) == bram


def test_removing_a_contact_in_the_inline_erases_them(staff_client, staff):
    organisation = MemberOrganisationFactory()
    anna = ContactPersonFactory(organisation=organisation, name="Anna de Vries")

    _change(
        staff_client,
        organisation,
        _organisation_data(
            organisation,
            contacts=[{"id": str(anna.pk), "name": anna.name, "email": anna.email, "DELETE": "on"}],
        ),
    )

    assert not organisation.contacts.exists()
    assert set(ContactPerson.history.filter(id=anna.pk).values_list("name", flat=True)) == {
        "[verwijderd]"
    }
    assert ContactErasure.objects.get().erased_by == staff


# --- Contact persons: AVG export and erasure ---------------------------------------------


@pytest.fixture
def anna():
    return ContactPersonFactory(
        name="Anna de Vries", email="anna@example.org", phone="06-12121212", is_primary=True
    )


def test_export_downloads_everything_about_the_person_as_json(staff_client, anna):
    response = staff_client.get(reverse("admin:members_contact_export", args=[anna.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    export = json.loads(response.content)
    assert export["contact_person"]["email"] == "anna@example.org"
    assert export["contact_person"]["phone"] == "06-12121212"
    assert [row["name"] for row in export["history"]] == ["Anna de Vries"]


def test_the_contact_page_offers_export_and_erase(staff_client, anna):
    html = staff_client.get(
        reverse("admin:members_contactperson_change", args=[anna.pk])
    ).content.decode()

    assert reverse("admin:members_contact_export", args=[anna.pk]) in html
    assert reverse("admin:members_contact_erase", args=[anna.pk]) in html


def test_erase_asks_for_confirmation_then_erases_and_records_it(staff_client, staff, anna):
    url = reverse("admin:members_contact_erase", args=[anna.pk])

    confirmation = staff_client.get(url)
    assert confirmation.status_code == 200
    assert "Anna de Vries" in confirmation.content.decode()
    assert ContactPerson.objects.filter(pk=anna.pk).exists()

    response = staff_client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:members_memberorganisation_change", args=[anna.organisation_id]
    )
    assert not ContactPerson.objects.filter(pk=anna.pk).exists()
    assert MemberOrganisation.objects.filter(pk=anna.organisation_id).exists()
    erasure = ContactErasure.objects.get()
    assert (erasure.contact_id, erasure.erased_by, erasure.history_rows_redacted) == (
        anna.pk,
        staff,
        2,
    )
    history = ContactPerson.history.filter(id=anna.pk)
    assert set(history.values_list("name", "email", "phone")) == {("[verwijderd]", "", "")}


def test_the_erased_persons_history_page_shows_no_personal_data(staff_client, anna):
    staff_client.post(reverse("admin:members_contact_erase", args=[anna.pk]))

    html = staff_client.get(
        reverse("admin:members_contactperson_history", args=[anna.pk])
    ).content.decode()

    assert "[verwijderd]" in html
    assert "Anna" not in html
    assert "anna@example.org" not in html


def test_deleting_a_contact_person_in_the_admin_erases_them(staff_client, anna):
    url = reverse("admin:members_contactperson_delete", args=[anna.pk])

    staff_client.post(url, {"post": "yes"})

    assert not ContactPerson.objects.filter(pk=anna.pk).exists()
    assert ContactErasure.objects.filter(contact_id=anna.pk).exists()


def test_erasures_are_read_only(staff_client, staff, anna):
    staff_client.post(reverse("admin:members_contact_erase", args=[anna.pk]))
    erasure = ContactErasure.objects.get()

    assert staff_client.get(reverse("admin:members_contacterasure_add")).status_code == 403
    change = staff_client.get(
        reverse("admin:members_contacterasure_change", args=[erasure.pk])
    ).content.decode()
    assert 'name="history_rows_redacted"' not in change
    delete = reverse("admin:members_contacterasure_delete", args=[erasure.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403


def test_staff_outside_the_group_cannot_erase(client, anna):
    client = _client(client, UserFactory(is_staff=True))

    assert client.post(reverse("admin:members_contact_erase", args=[anna.pk])).status_code == 403
    assert ContactPerson.objects.filter(pk=anna.pk).exists()


# --- Dashboard ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_the_dashboard_costs_the_same_queries_for_5_or_50(
    staff_client, django_assert_max_num_queries, count
):
    _members(count)

    with django_assert_max_num_queries(8):
        response = staff_client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["figures"]["counts"]["active"] == count


def test_the_dashboard_counts_members_dues_and_this_years_changes(staff_client):
    year = timezone.localdate().year
    this_year = datetime.date(year, 1, 2)
    utrecht = ProvinceFactory(name="Utrecht")
    gelderland = ProvinceFactory(name="Gelderland")
    for province, kind in [
        (utrecht, MemberOrganisation.Type.RESIDENTS_GROUP),
        (utrecht, MemberOrganisation.Type.RESIDENTS_GROUP),
        (gelderland, MemberOrganisation.Type.VILLAGE_COOPERATIVE),
    ]:
        organisation = MemberOrganisationFactory(
            municipality=MunicipalityFactory(province=province), type=kind
        )
        MembershipFactory(organisation=organisation, active=True)
    new = MemberOrganisationFactory(municipality=MunicipalityFactory(province=gelderland))
    MembershipFactory(
        organisation=new, status=Status.ACTIVE, applied_on=this_year, started_on=this_year
    )
    MembershipFactory(
        ended=True,
        applied_on=datetime.date(year - 1, 1, 1),
        started_on=datetime.date(year - 1, 1, 1),
        ended_on=this_year,
    )
    DuesFactory(year=2024, amount=Decimal("50"), outstanding=True)
    DuesFactory(year=2025, amount=Decimal("75"), outstanding=True)
    DuesFactory(year=2025, amount=Decimal("75"), outstanding=True)
    DuesFactory(year=2025, amount=Decimal("75"), paid=True)

    response = staff_client.get(DASHBOARD)
    figures = response.context["figures"]

    assert [(row["name"], row["count"]) for row in figures["per_province"]] == [
        ("Gelderland", 2),
        ("Utrecht", 2),
    ]
    assert {row["type"]: row["count"] for row in figures["per_type"]} == {
        "residents_group": 3,
        "village_coop": 1,
    }
    assert figures["counts"]["active"] == 4
    assert figures["counts"]["started_this_year"] == 1
    assert figures["counts"]["ended_this_year"] == 1
    assert figures["dues_outstanding_count"] == 3
    assert figures["dues_outstanding_total"] == Decimal("200.00")
    html = response.content.decode()
    assert "€ 200,00" in html or "€ 200.00" in html


def test_the_organisation_list_links_to_the_dashboard_and_the_import(staff_client):
    html = staff_client.get(ORGANISATIONS).content.decode()

    assert DASHBOARD in html
    assert reverse("members_import") in html


def test_the_members_app_page_links_to_the_dashboard(staff_client):
    html = staff_client.get(reverse("admin:app_list", args=["members"])).content.decode()

    assert DASHBOARD in html


def test_action_pages_and_dashboard_have_one_main_landmark(staff_client):
    organisation = MemberOrganisationFactory(member=True)
    pages = [
        staff_client.get(DASHBOARD),
        _act(staff_client, ORGANISATIONS, "membership_end", [organisation]),
    ]
    for response in pages:
        assert len(re.findall(r"<main\b", response.content.decode())) == 1


def test_dues_list_filters_unpaid(staff_client):
    unpaid = DuesFactory(outstanding=True)
    DuesFactory(paid=True)
    DuesFactory()

    response = staff_client.get(f"{DUES}?payment=unpaid")

    assert list(response.context["cl"].result_list) == [unpaid]
    assert Dues.objects.count() == 3


def test_a_membership_correction_with_dates_out_of_order_gets_a_clear_message(staff_client):
    membership = MembershipFactory(active=True)  # applied 10 January 2023
    url = reverse("admin:members_membership_change", args=[membership.pk])

    response = staff_client.post(
        url, {"applied_on": "2023-01-10", "started_on": "2022-12-01", "reason": ""}
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["started_on"] == ["This date cannot be before the application date."]


def test_a_membership_correction_is_recorded_with_who(staff_client, staff):
    membership = MembershipFactory(active=True)
    url = reverse("admin:members_membership_change", args=[membership.pk])

    response = staff_client.post(
        url, {"applied_on": "2023-01-10", "started_on": "2023-03-01", "reason": ""}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.started_on == datetime.date(2023, 3, 1)
    assert_recorded(membership, staff, "started_on")


def test_dues_paid_without_an_invoice_date_get_a_clear_message(staff_client):
    organisation = MemberOrganisationFactory()

    response = staff_client.post(
        reverse("admin:members_dues_add"),
        {"organisation": organisation.pk, "year": "2025", "amount": "75", "paid_on": "2025-02-01"},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["invoiced_on"] == ["Dues that were paid were invoiced first: fill in the date."]
    assert not Dues.objects.exists()


def test_a_second_dues_row_for_a_year_gets_a_clear_message(staff_client):
    dues = DuesFactory(year=2025)

    response = staff_client.post(
        reverse("admin:members_dues_add"),
        {"organisation": dues.organisation_id, "year": "2025", "amount": "75"},
    )

    assert response.status_code == 200
    assert "This organisation already has dues for that year." in response.content.decode()
