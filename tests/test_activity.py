"""Monthly activity figures: one report per month, corrections keep history, impossible
figures are refused by the service, the form and the database."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from initiatives.models import ActivityReport, ActivityReportRevision
from initiatives.services import activity_report_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MARCH_2025 = datetime.date(2025, 3, 1)


def save(initiative, user, **overrides) -> ActivityReport:
    values = {
        "month": MARCH_2025,
        "volunteer_hours": Decimal("120.0"),
        "active_volunteers": 8,
        "people_reached": 200,
        **overrides,
    }
    return activity_report_save(initiative=initiative, user=user, **values)


def refused_fields(initiative, user, **overrides) -> set[str]:
    with pytest.raises(ValidationError) as error:
        save(initiative, user, **overrides)
    return set(error.value.message_dict)


def next_month() -> datetime.date:
    first = timezone.localdate().replace(day=1)
    return (first + datetime.timedelta(days=32)).replace(day=1)


# --- The service ---------------------------------------------------------------------------


def test_first_report_of_a_month_creates_one_row(initiative, owner):
    # When
    report = save(initiative, owner)

    # Then
    stored = ActivityReport.objects.get()
    assert stored.pk == report.pk
    assert stored.initiative == initiative
    assert stored.month == MARCH_2025
    assert stored.volunteer_hours == Decimal("120.0")
    assert stored.active_volunteers == 8
    assert stored.people_reached == 200
    assert stored.reported_by == owner
    assert stored.revision == 1
    assert not ActivityReportRevision.objects.exists()


def test_reporting_a_month_again_replaces_the_figures_and_raises_the_revision(initiative, owner):
    # Given
    save(initiative, owner)

    # When
    save(
        initiative, owner, volunteer_hours=Decimal("150.5"), active_volunteers=9, people_reached=250
    )

    # Then
    report = ActivityReport.objects.get()
    assert report.volunteer_hours == Decimal("150.5")
    assert report.active_volunteers == 9
    assert report.people_reached == 250
    assert report.revision == 2


def test_a_correction_keeps_the_replaced_figures_in_the_history(initiative, owner):
    # Given
    first = save(initiative, owner)
    co_owner = UserFactory()
    initiative.ownerships.create(user=co_owner, role="co_owner")

    # When
    save(
        initiative,
        co_owner,
        volunteer_hours=Decimal("150.5"),
        active_volunteers=9,
        people_reached=250,
    )

    # Then
    old = ActivityReportRevision.objects.get()
    assert old.report_id == first.pk
    assert old.revision == 1
    assert old.volunteer_hours == Decimal("120.0")
    assert old.active_volunteers == 8
    assert old.people_reached == 200
    assert old.reported_by == owner
    assert ActivityReport.objects.get().reported_by == co_owner


def test_each_correction_adds_one_history_entry_numbered_by_the_revision_it_replaced(
    initiative, owner
):
    # Given
    save(initiative, owner, people_reached=100)
    save(initiative, owner, people_reached=110)

    # When
    save(initiative, owner, people_reached=120)

    # Then
    history = list(
        ActivityReportRevision.objects.order_by("revision").values_list(
            "revision", "people_reached"
        )
    )
    assert history == [(1, 100), (2, 110)]
    assert ActivityReport.objects.get().revision == 3


def test_the_month_is_stored_as_its_first_day(initiative, owner):
    # When
    report = save(initiative, owner, month=datetime.date(2025, 3, 17))

    # Then
    assert report.month == MARCH_2025
    assert ActivityReport.objects.get().month == MARCH_2025


def test_a_later_day_of_the_same_month_corrects_that_month(initiative, owner):
    # Given
    save(initiative, owner, month=datetime.date(2025, 3, 1), people_reached=200)

    # When
    save(initiative, owner, month=datetime.date(2025, 3, 31), people_reached=300)

    # Then
    assert list(ActivityReport.objects.values_list("month", "people_reached")) == [
        (MARCH_2025, 300)
    ]


def test_two_saves_of_the_same_month_leave_exactly_one_row(initiative, owner):
    # When
    save(initiative, owner)
    save(initiative, owner)

    # Then
    assert ActivityReport.objects.filter(initiative=initiative, month=MARCH_2025).count() == 1


def test_negative_hours_are_refused_on_the_hours_field(initiative, owner):
    # When / then
    assert refused_fields(initiative, owner, volunteer_hours=Decimal("-1")) == {"volunteer_hours"}
    assert not ActivityReport.objects.exists()


def test_more_than_744_hours_per_volunteer_is_refused_on_the_hours_field(initiative, owner):
    # When / then
    assert refused_fields(
        initiative, owner, volunteer_hours=Decimal("745"), active_volunteers=1
    ) == {"volunteer_hours"}
    assert not ActivityReport.objects.exists()


def test_744_hours_for_one_volunteer_is_accepted(initiative, owner):
    # When
    report = save(initiative, owner, volunteer_hours=Decimal("744"), active_volunteers=1)

    # Then
    assert ActivityReport.objects.get().pk == report.pk
    assert report.volunteer_hours == Decimal("744")


def test_hours_without_any_volunteer_are_refused_on_the_hours_field(initiative, owner):
    # When / then
    assert refused_fields(
        initiative, owner, volunteer_hours=Decimal("0.5"), active_volunteers=0
    ) == {"volunteer_hours"}
    assert not ActivityReport.objects.exists()


def test_a_month_that_has_not_started_is_refused_on_the_month_field(initiative, owner):
    # When / then
    assert refused_fields(initiative, owner, month=next_month()) == {"month"}
    assert not ActivityReport.objects.exists()


def test_the_current_month_may_be_reported(initiative, owner):
    # When
    report = save(initiative, owner, month=timezone.localdate())

    # Then
    assert report.month == timezone.localdate().replace(day=1)


def test_more_than_100000_volunteers_is_refused_on_the_volunteers_field(initiative, owner):
    # When / then
    assert refused_fields(initiative, owner, active_volunteers=100_001) == {"active_volunteers"}
    assert not ActivityReport.objects.exists()


def test_more_than_100000_people_reached_is_refused_on_the_people_field(initiative, owner):
    # When / then
    assert refused_fields(initiative, owner, people_reached=100_001) == {"people_reached"}
    assert not ActivityReport.objects.exists()


def test_exactly_100000_volunteers_and_people_are_accepted(initiative, owner):
    # When
    report = save(initiative, owner, active_volunteers=100_000, people_reached=100_000)

    # Then
    assert (report.active_volunteers, report.people_reached) == (100_000, 100_000)


def test_a_refused_correction_leaves_the_earlier_figures_untouched(initiative, owner):
    # Given
    save(initiative, owner)

    # When
    with pytest.raises(ValidationError):
        save(initiative, owner, people_reached=100_001)

    # Then
    report = ActivityReport.objects.get()
    assert (report.people_reached, report.revision) == (200, 1)
    assert not ActivityReportRevision.objects.exists()


def test_someone_who_is_not_an_owner_cannot_report_activity(initiative):
    # Given
    stranger = UserFactory()

    # When / then
    with pytest.raises(PermissionDenied):
        save(initiative, stranger)
    assert not ActivityReport.objects.exists()


# --- The database ---------------------------------------------------------------------------


def test_the_database_refuses_a_second_report_for_the_same_month(initiative):
    # Given
    row = {
        "initiative": initiative,
        "month": MARCH_2025,
        "volunteer_hours": Decimal("10"),
        "active_volunteers": 1,
        "people_reached": 5,
    }
    ActivityReport.objects.create(**row)

    # When / then
    with pytest.raises(IntegrityError, match="activity_one_report_per_month"):
        with transaction.atomic():
            ActivityReport.objects.create(**row)
    assert ActivityReport.objects.count() == 1


def test_the_database_refuses_more_hours_than_the_volunteers_have_in_a_month(initiative):
    # When / then
    with pytest.raises(IntegrityError, match="activity_hours_fit_in_month"):
        with transaction.atomic():
            ActivityReport.objects.create(
                initiative=initiative,
                month=MARCH_2025,
                volunteer_hours=Decimal("745"),
                active_volunteers=1,
                people_reached=5,
            )
    assert not ActivityReport.objects.exists()


# --- The page -------------------------------------------------------------------------------


@pytest.fixture
def activity_url(initiative):
    return reverse("initiative_activity", args=[initiative.slug])


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def form_data(**overrides) -> dict:
    return {
        "month": "2025-03",
        "volunteer_hours": "120",
        "active_volunteers": "8",
        "people_reached": "200",
        **overrides,
    }


def test_the_activity_page_saves_a_valid_month_and_redirects_back(owner_client, activity_url):
    # When
    response = owner_client.post(activity_url, form_data())

    # Then
    assert response.status_code == 302
    assert response.url == f"{activity_url}?maand=2025-03"
    report = ActivityReport.objects.get()
    assert report.month == MARCH_2025
    assert report.volunteer_hours == Decimal("120")


def test_the_activity_page_lists_a_saved_month(owner_client, activity_url):
    # Given
    owner_client.post(activity_url, form_data())

    # When
    response = owner_client.get(activity_url)

    # Then
    assert response.status_code == 200
    assert [row.report for row in response.context["reports"]] == list(ActivityReport.objects.all())
    assert '<th scope="row">maart 2025</th>' in response.content.decode()


def test_the_activity_page_shows_too_many_hours_on_the_hours_field(owner_client, activity_url):
    # When
    response = owner_client.post(
        activity_url, form_data(volunteer_hours="745", active_volunteers="1")
    )

    # Then
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"volunteer_hours"}
    html = response.content.decode()
    assert (
        f'<p class="error" id="id_volunteer_hours_fout">{form.errors["volunteer_hours"][0]}' in html
    )
    assert not ActivityReport.objects.exists()


def test_the_activity_page_marks_the_invalid_input_for_screen_readers(owner_client, activity_url):
    # When
    response = owner_client.post(
        activity_url, form_data(volunteer_hours="745", active_volunteers="1")
    )

    # Then
    field_html = str(response.context["form"]["volunteer_hours"])
    assert 'aria-invalid="true"' in field_html
    assert 'aria-describedby="id_volunteer_hours_fout' in field_html
    assert 'aria-invalid="true"' not in str(response.context["form"]["people_reached"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"volunteer_hours": "-1"}, "volunteer_hours"),
        ({"active_volunteers": "100001"}, "active_volunteers"),
        ({"people_reached": "100001"}, "people_reached"),
        ({"month": "2025-13"}, "month"),
    ],
)
def test_the_activity_page_refuses_impossible_figures_without_saving(
    owner_client, activity_url, overrides, field
):
    # When
    response = owner_client.post(activity_url, form_data(**overrides))

    # Then
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {field}
    assert 'aria-invalid="true"' in str(response.context["form"][field])
    assert not ActivityReport.objects.exists()


def test_the_activity_page_refuses_a_month_that_has_not_started(owner_client, activity_url):
    # When
    response = owner_client.post(activity_url, form_data(month=next_month().strftime("%Y-%m")))

    # Then
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"month"}
    assert not ActivityReport.objects.exists()


def test_someone_who_is_not_an_owner_gets_403_on_the_activity_page(client, activity_url):
    # Given
    client.force_login(UserFactory())

    # When
    response = client.post(activity_url, form_data())

    # Then
    assert response.status_code == 403
    assert not ActivityReport.objects.exists()
