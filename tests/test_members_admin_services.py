"""The member admin saves and deletes through `members.services`: the history names who and
which step, the services' rules hold in the admin too, and the dues dates change only through
the actions."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from members import services
from members.models import ContactErasure, ContactPerson, Dues, MemberOrganisation
from tests.admin_forms import rendered_form_data
from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory
from tests.member_factories import ContactPersonFactory, DuesFactory, MemberOrganisationFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:members_memberorganisation_add")
ORGANISATIONS = reverse("admin:members_memberorganisation_changelist")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(client, staff):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(staff)
    return client


def _reason(step) -> str:
    """A step's name as the history stores it: in the platform's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(step)


def _form(client, url: str, **fields: str) -> dict[str, list[str]]:
    """The admin form as rendered, with the given fields filled in."""
    data = rendered_form_data(client.get(url).content.decode())
    data.update({name: [value] for name, value in fields.items()})
    return data


def _change_url(organisation: MemberOrganisation) -> str:
    return reverse("admin:members_memberorganisation_change", args=[organisation.pk])


def _form_errors(response) -> dict:
    return response.context["adminform"].form.errors


# --- Organisations ----------------------------------------------------------------------


def test_an_organisation_added_in_the_admin_is_created_by_the_service(staff_client, staff):
    municipality = MunicipalityFactory(code="GM0363", name="Amsterdam")
    initiative = InitiativeFactory()
    data = _form(
        staff_client,
        ADD,
        name="Buurthuis De Meeuw",
        slug="buurthuis-de-meeuw",
        type=MemberOrganisation.Type.COMMUNITY_CENTRE,
        municipality=str(municipality.pk),
        kvk_number="1234 5678",
    )
    data["initiatives"] = [str(initiative.pk)]

    response = staff_client.post(ADD, data)

    assert response.status_code == 302, _form_errors(response)
    organisation = MemberOrganisation.objects.get(slug="buurthuis-de-meeuw")
    assert (organisation.kvk_number, list(organisation.initiatives.all())) == (
        "12345678",
        [initiative],
    )
    record = organisation.history.earliest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        staff,
        _reason(services.ORGANISATION_CREATED),
    )


def test_an_organisation_edited_in_the_admin_is_changed_by_the_service(staff_client, staff):
    organisation = MemberOrganisationFactory(name="Wijkvereniging De Leest")
    url = _change_url(organisation)

    response = staff_client.post(url, _form(staff_client, url, city="Veghel"))

    assert response.status_code == 302, _form_errors(response)
    organisation.refresh_from_db()
    assert organisation.city == "Veghel"
    record = organisation.history.latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "~",
        staff,
        _reason(services.ORGANISATION_CHANGED),
    )


def test_the_service_refuses_a_wijk_of_another_gemeente():
    organisation = MemberOrganisationFactory()
    elsewhere = DistrictFactory()

    with pytest.raises(ValidationError) as refused:
        services.member_organisation_update(
            organisation=organisation, by=None, data={"district": elsewhere}
        )

    assert refused.value.message_dict == {
        "district": ["This wijk is not in the chosen municipality."]
    }


def test_the_admin_refuses_a_wijk_of_another_gemeente_as_the_service_does(staff_client):
    organisation = MemberOrganisationFactory()
    elsewhere = DistrictFactory()
    url = _change_url(organisation)

    response = staff_client.post(url, _form(staff_client, url, district=str(elsewhere.pk)))

    assert response.status_code == 200
    assert _form_errors(response)["district"] == ["This wijk is not in the chosen municipality."]
    organisation.refresh_from_db()
    assert organisation.district is None


def test_deleting_an_organisation_in_the_admin_erases_its_contacts_through_the_service(
    staff_client, staff
):
    organisation = MemberOrganisationFactory()
    anna = ContactPersonFactory(organisation=organisation, name="Anna de Vries", is_primary=True)
    url = reverse("admin:members_memberorganisation_delete", args=[organisation.pk])

    response = staff_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not MemberOrganisation.objects.filter(pk=organisation.pk).exists()
    erasure = ContactErasure.objects.get(contact_id=anna.pk)
    assert (erasure.erased_by, erasure.history_rows_redacted) == (staff, 2)
    assert set(ContactPerson.history.filter(id=anna.pk).values_list("name", flat=True)) == {
        services.REDACTED
    }
    record = MemberOrganisation.history.filter(id=organisation.pk).latest()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        staff,
        _reason(services.ORGANISATION_DELETED),
    )


def test_deleting_selected_organisations_erases_every_contact_through_the_service(
    staff_client, staff
):
    first, second = MemberOrganisationFactory(), MemberOrganisationFactory()
    contacts = [ContactPersonFactory(organisation=first), ContactPersonFactory(organisation=second)]

    staff_client.post(
        ORGANISATIONS,
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )

    assert not MemberOrganisation.objects.exists()
    assert sorted(ContactErasure.objects.values_list("contact_id", flat=True)) == sorted(
        contact.pk for contact in contacts
    )
    deletions = MemberOrganisation.history.filter(history_type="-")
    assert {(row.history_user, row.history_change_reason) for row in deletions} == {
        (staff, _reason(services.ORGANISATION_DELETED))
    }


def test_a_contact_saved_in_the_inline_goes_through_the_service(staff_client, staff):
    organisation = MemberOrganisationFactory()
    anna = ContactPersonFactory(organisation=organisation, name="Anna", is_primary=True)
    url = _change_url(organisation)
    data = _form(staff_client, url)
    data["contacts-0-role"] = ["penningmeester"]

    response = staff_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    anna.refresh_from_db()
    assert anna.role == "penningmeester"
    record = anna.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        staff,
        _reason(services.CONTACT_SAVED),
    )


# --- Dues dates -------------------------------------------------------------------------


def test_the_dates_of_stored_dues_cannot_be_posted_in_the_dues_admin(staff_client):
    dues = DuesFactory(year=2025, outstanding=True)
    url = reverse("admin:members_dues_change", args=[dues.pk])
    data = _form(staff_client, url)

    staff_client.post(url, {**data, "paid_on": ["2999-01-01"], "invoiced_on": ["2999-01-01"]})

    dues.refresh_from_db()
    assert dues.paid_on is None
    assert dues.invoiced_on != datetime.date(2999, 1, 1)


def test_the_dues_dates_cannot_be_posted_in_the_organisation_inline(staff_client):
    dues = DuesFactory(year=2025, outstanding=True)
    url = _change_url(dues.organisation)
    data = _form(staff_client, url)

    response = staff_client.post(url, {**data, "dues-0-paid_on": ["2999-01-01"]})

    assert response.status_code == 302, _form_errors(response)
    dues.refresh_from_db()
    assert dues.paid_on is None


def test_new_dues_with_dates_are_invoiced_and_paid_by_the_services(staff_client, staff):
    organisation = MemberOrganisationFactory()

    staff_client.post(
        reverse("admin:members_dues_add"),
        {
            "organisation": organisation.pk,
            "year": "2025",
            "amount": "75",
            "invoiced_on": "2025-01-15",
            "paid_on": "2025-02-01",
        },
    )

    dues = Dues.objects.get()
    assert (dues.invoiced_on, dues.paid_on) == (
        datetime.date(2025, 1, 15),
        datetime.date(2025, 2, 1),
    )
    assert [
        (row.history_user, row.history_change_reason)
        for row in dues.history.order_by("history_date", "history_id")
    ] == [(staff, _reason(services.INVOICED)), (staff, _reason(services.PAID))]


def test_new_dues_paid_in_the_future_are_refused_by_the_service_without_an_error_page(
    staff_client,
):
    organisation = MemberOrganisationFactory()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = staff_client.post(
        reverse("admin:members_dues_add"),
        {
            "organisation": organisation.pk,
            "year": "2025",
            "amount": "75",
            "invoiced_on": "2025-01-15",
            "paid_on": tomorrow.isoformat(),
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "The payment date cannot be in the future." in [
        str(message) for message in response.context["messages"]
    ]
    assert not Dues.objects.exists()
