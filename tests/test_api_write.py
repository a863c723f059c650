"""The API's writes: the same services and permissions as the web forms, strict input,
JSON errors with one message per field, token or session (with CSRF) authentication."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.api_auth import api_token_create
from accounts.models import OfficerGrant
from impact.models import HandprintState
from initiatives.models import (
    ActivityReport,
    ActivityReportRevision,
    Initiative,
    InitiativeEvent,
    Need,
    Ownership,
    Theme,
)
from initiatives.services import activity_report_save
from tests.factories import (
    DistrictFactory,
    InitiativeFactory,
    MunicipalityFactory,
    NeedFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
MARCH_2025 = "2025-03"


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture
def resident():
    return UserFactory()


@pytest.fixture
def officer(initiative):
    user = UserFactory()
    OfficerGrant.objects.create(user=user, municipality=initiative.municipality)
    return user


@pytest.fixture
def roles(owner, resident, officer, staff):
    return {"owner": owner, "resident": resident, "officer": officer, "staff": staff}


def token_client(user) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def client_for(role: str, roles: dict) -> Client:
    return Client() if role == "anonymous" else token_client(roles[role])


def send(client: Client, method: str, url: str, data: object) -> object:
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json")


def figures(**overrides) -> dict:
    return {"volunteer_hours": "120.0", "active_volunteers": 8, "people_reached": 200, **overrides}


# --- Who may write ---------------------------------------------------------------------------

DENIED = {"anonymous": 401, "resident": 403, "officer": 403, "staff": 403}


@pytest.mark.parametrize(("role", "expected"), [("owner", 201), *DENIED.items()])
def test_only_owners_post_a_need(roles, initiative, role, expected):
    # When
    response = send(
        client_for(role, roles),
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        {"kind": "volunteers", "title": "Handen voor de plantdag"},
    )

    # Then
    assert response.status_code == expected, response.content
    assert Need.objects.filter(initiative=initiative).count() == (1 if expected == 201 else 0)


def test_anonymous_write_is_asked_for_a_token(initiative):
    response = send(Client(), "post", f"{API}/initiatives/{initiative.slug}/needs/", {})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": response.json()["detail"]}


@pytest.mark.parametrize(("role", "expected"), [("owner", 200), *DENIED.items()])
def test_only_owners_close_a_need(roles, initiative, role, expected):
    # Given
    need = NeedFactory(initiative=initiative)

    # When
    response = send(
        client_for(role, roles),
        "patch",
        f"{API}/initiatives/{initiative.slug}/needs/{need.pk}/",
        {"status": "fulfilled"},
    )

    # Then
    assert response.status_code == expected, response.content
    need.refresh_from_db()
    assert need.status == ("fulfilled" if expected == 200 else "open")


@pytest.mark.parametrize(("role", "expected"), [("owner", 201), *DENIED.items()])
def test_only_owners_report_a_month(roles, initiative, role, expected):
    response = send(
        client_for(role, roles),
        "post",
        f"{API}/initiatives/{initiative.slug}/activity/",
        {"month": MARCH_2025, **figures()},
    )

    assert response.status_code == expected, response.content
    assert ActivityReport.objects.filter(initiative=initiative).exists() == (expected == 201)


@pytest.mark.parametrize(("role", "expected"), [("owner", 201), *DENIED.items()])
def test_only_owners_put_a_month(roles, initiative, role, expected):
    response = send(
        client_for(role, roles),
        "put",
        f"{API}/initiatives/{initiative.slug}/activity/{MARCH_2025}/",
        figures(),
    )

    assert response.status_code == expected, response.content
    assert ActivityReport.objects.filter(initiative=initiative).exists() == (expected == 201)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("owner", 200), ("staff", 200), ("anonymous", 401), ("resident", 403), ("officer", 403)],
)
def test_monthly_figures_are_read_by_owners_and_staff_only(
    roles, initiative, owner, role, expected
):
    # Given
    activity_report_save(
        initiative=initiative,
        user=owner,
        month=datetime.date(2025, 3, 1),
        volunteer_hours=Decimal("120.0"),
        active_volunteers=8,
        people_reached=200,
    )
    client = client_for(role, roles)

    # When
    listed = client.get(f"{API}/initiatives/{initiative.slug}/activity/")
    single = client.get(f"{API}/initiatives/{initiative.slug}/activity/{MARCH_2025}/")

    # Then
    assert (listed.status_code, single.status_code) == (expected, expected)


def test_a_draft_is_not_found_for_other_residents(resident, owner):
    # Given
    draft = InitiativeFactory(owner=owner)

    # When
    response = send(
        token_client(resident),
        "post",
        f"{API}/initiatives/{draft.slug}/needs/",
        {"kind": "money", "title": "Zaaigoed"},
    )

    # Then
    assert response.status_code == 404


# --- Initiatives -----------------------------------------------------------------------------


def test_a_created_initiative_is_a_draft_owned_by_its_creator(resident):
    # Given
    municipality = MunicipalityFactory()
    district = DistrictFactory(municipality=municipality)
    theme, _created = Theme.objects.get_or_create(
        slug="groen", defaults={"name_nl": "Groen", "name_en": "Green"}
    )

    # When
    response = send(
        token_client(resident),
        "post",
        f"{API}/initiatives/",
        {
            "name": "Buurttuin De Pijp",
            "summary": "Samen tuinieren.",
            "kind": "garden",
            "municipality": municipality.code,
            "district": district.code,
            "themes": [theme.slug],
            "sdgs": [11, 3],
            "postcode": "1011ab",
        },
    )

    # Then
    assert response.status_code == 201, response.content
    body = response.json()
    initiative = Initiative.objects.get(slug=body["slug"])
    assert initiative.status == Initiative.Status.DRAFT
    assert initiative.ownerships.get().user == resident
    assert initiative.ownerships.get().role == Ownership.Role.OWNER
    assert (body["sdgs"], body["themes"], body["district"]) == ([11, 3], ["groen"], district.code)
    assert initiative.postcode == "1011 AB"


def test_anonymous_cannot_create_an_initiative():
    response = send(Client(), "post", f"{API}/initiatives/", {"name": "X"})

    assert response.status_code == 401
    assert not Initiative.objects.exists()


def test_create_refuses_bad_fields_one_message_each(resident):
    # When
    response = send(
        token_client(resident),
        "post",
        f"{API}/initiatives/",
        {
            "name": "",
            "summary": "Samen.",
            "kind": "castle",
            "municipality": "GM9999",
            "sdgs": [3, 3],
            "founded_year": 1200,
            "colour": "green",
        },
    )

    # Then
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert set(body["errors"]) == {"name", "kind", "municipality", "founded_year", "colour"}
    assert all(isinstance(message, str) for message in body["errors"].values())
    assert body["errors"]["colour"] == "Unknown field: colour."
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [("owner", 200), *DENIED.items()])
def test_only_owners_patch_an_initiative(roles, initiative, role, expected):
    # When
    response = send(
        client_for(role, roles),
        "patch",
        f"{API}/initiatives/{initiative.slug}/",
        {"summary": "Nu ook op zaterdag."},
    )

    # Then
    assert response.status_code == expected, response.content
    initiative.refresh_from_db()
    assert (initiative.summary == "Nu ook op zaterdag.") == (expected == 200)


def test_editing_a_published_initiative_keeps_it_live_and_records_it(owner, initiative):
    # When
    response = send(
        token_client(owner),
        "patch",
        f"{API}/initiatives/{initiative.slug}/",
        {"summary": "Nu ook op zaterdag.", "sdgs": [11]},
    )

    # Then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    assert response.json()["sdgs"] == [11]
    assert initiative.events.filter(action=InitiativeEvent.Action.EDITED).exists()


def test_an_empty_patch_changes_nothing_and_tells_no_one(owner, initiative):
    response = send(token_client(owner), "patch", f"{API}/initiatives/{initiative.slug}/", {})

    assert response.status_code == 200
    assert not initiative.events.filter(action=InitiativeEvent.Action.EDITED).exists()


def test_a_wijk_outside_the_municipality_is_refused(owner, initiative):
    elsewhere = DistrictFactory()

    response = send(
        token_client(owner),
        "patch",
        f"{API}/initiatives/{initiative.slug}/",
        {"district": elsewhere.code},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"district"}


# --- Session and CSRF ------------------------------------------------------------------------


def test_a_session_post_without_csrf_token_is_refused(owner, initiative):
    # Given
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    # When
    response = send(
        client,
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        {"kind": "money", "title": "Zaaigoed"},
    )

    # Then
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Need.objects.exists()


def test_a_session_post_with_csrf_token_works(owner, initiative):
    # Given: the cookie a page of the site sets, sent back in the header
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"].value
    client.force_login(owner)

    # When
    response = client.post(
        f"{API}/initiatives/{initiative.slug}/needs/",
        json.dumps({"kind": "money", "title": "Zaaigoed"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )

    # Then
    assert response.status_code == 201, response.content


def test_a_token_needs_no_csrf_token(owner, initiative):
    # Given
    _token, key = api_token_create(user=owner, name="script")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")

    # When
    response = send(
        client,
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        {"kind": "money", "title": "Zaad"},
    )

    # Then
    assert response.status_code == 201, response.content


# --- Needs -----------------------------------------------------------------------------------


def test_an_owner_posts_a_need_that_is_listed_as_open(owner, initiative):
    # When
    created = send(
        token_client(owner),
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        {"kind": "materials", "title": "Schoppen", "amount": "4", "until": "2099-01-31"},
    )
    listed = Client().get(f"{API}/initiatives/{initiative.slug}/needs/")

    # Then
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "open"
    assert [need["title"] for need in listed.json()["results"]] == ["Schoppen"]


def test_a_need_until_a_past_date_is_refused(owner, initiative):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = send(
        token_client(owner),
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        {"kind": "money", "title": "Zaaigoed", "until": yesterday.isoformat()},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"until": "This date has already passed."}


def test_a_closed_need_leaves_the_open_list_and_cannot_close_twice(owner, initiative):
    # Given
    need = NeedFactory(initiative=initiative)
    client = token_client(owner)
    url = f"{API}/initiatives/{initiative.slug}/needs/{need.pk}/"

    # When
    closed = send(client, "patch", url, {"status": "withdrawn"})
    again = send(client, "patch", url, {"status": "fulfilled"})

    # Then
    assert closed.status_code == 200
    assert closed.json()["status"] == "withdrawn"
    assert again.status_code == 400
    assert Client().get(f"{API}/initiatives/{initiative.slug}/needs/").json()["results"] == []
    assert Client().get(url).json()["status"] == "withdrawn"


def test_a_need_cannot_be_reopened_through_the_api(owner, initiative):
    need = NeedFactory(initiative=initiative)

    response = send(
        token_client(owner),
        "patch",
        f"{API}/initiatives/{initiative.slug}/needs/{need.pk}/",
        {"status": "open"},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status"}


def test_a_need_of_another_initiative_is_not_found(owner, initiative):
    other = NeedFactory()

    response = send(
        token_client(owner),
        "patch",
        f"{API}/initiatives/{initiative.slug}/needs/{other.pk}/",
        {"status": "fulfilled"},
    )

    assert response.status_code == 404


# --- Monthly activity ------------------------------------------------------------------------


def test_a_correction_replaces_the_month_keeps_history_and_marks_the_handprint_stale(
    owner, initiative
):
    # Given
    client = token_client(owner)
    url = f"{API}/initiatives/{initiative.slug}/activity/{MARCH_2025}/"
    first = send(client, "put", url, figures())
    state = HandprintState.objects.get(pk=initiative.pk)
    state.computed_version = state.inputs_version
    state.stale_since = None
    state.save()

    # When
    corrected = send(client, "put", url, figures(volunteer_hours="90.5", active_volunteers=7))

    # Then
    assert (first.status_code, corrected.status_code) == (201, 200)
    body = corrected.json()
    assert (body["volunteer_hours"], body["revision"]) == ("90.5", 2)
    assert [old["volunteer_hours"] for old in body["history"]] == ["120.0"]
    assert ActivityReport.objects.filter(initiative=initiative).count() == 1
    assert ActivityReportRevision.objects.filter(report__initiative=initiative).count() == 1
    state.refresh_from_db()
    assert state.inputs_version > state.computed_version
    assert state.stale_since is not None


def test_posting_a_reported_month_again_is_a_correction(owner, initiative):
    client = token_client(owner)
    url = f"{API}/initiatives/{initiative.slug}/activity/"

    send(client, "post", url, {"month": MARCH_2025, **figures()})
    again = send(client, "post", url, {"month": MARCH_2025, **figures(people_reached=250)})

    assert again.status_code == 200
    assert again.json()["revision"] == 2
    assert client.get(url).json()["results"][0]["people_reached"] == 250


def next_month() -> str:
    first = timezone.localdate().replace(day=1)
    return (first + datetime.timedelta(days=32)).strftime("%Y-%m")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"month": "2025-3"}, "month"),
        ({"month": "March"}, "month"),
        ({"month": 202503}, "month"),
        ({"month": "2025-13"}, "month"),
        ({"month": "0001-01"}, "month"),
        ({"volunteer_hours": "6000", "active_volunteers": 8}, "volunteer_hours"),
        ({"volunteer_hours": "-1"}, "volunteer_hours"),
        ({"volunteer_hours": "1.25"}, "volunteer_hours"),
        ({"volunteer_hours": "many"}, "volunteer_hours"),
        ({"active_volunteers": "eight"}, "active_volunteers"),
        ({"active_volunteers": 100_001, "volunteer_hours": "1"}, "active_volunteers"),
        ({"people_reached": 100_001}, "people_reached"),
        ({"people_reached": -5}, "people_reached"),
        ({"people_reached": None}, "people_reached"),
    ],
)
def test_impossible_figures_get_a_message_on_their_field(owner, initiative, values, field):
    response = send(
        token_client(owner),
        "post",
        f"{API}/initiatives/{initiative.slug}/activity/",
        {"month": MARCH_2025, **figures(), **values},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}
    assert isinstance(response.json()["errors"][field], str)
    assert not ActivityReport.objects.exists()


def test_a_future_month_is_refused_with_a_clear_message(owner, initiative):
    response = send(
        token_client(owner),
        "put",
        f"{API}/initiatives/{initiative.slug}/activity/{next_month()}/",
        figures(),
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "month": "You cannot report a month that has not started yet."
    }


def test_a_malformed_month_in_the_address_is_not_found(owner, initiative):
    response = send(
        token_client(owner),
        "put",
        f"{API}/initiatives/{initiative.slug}/activity/2025-3/",
        figures(),
    )

    assert response.status_code == 404


# --- Bad input -------------------------------------------------------------------------------


def test_unknown_fields_are_refused_by_name(owner, initiative):
    response = send(
        token_client(owner),
        "put",
        f"{API}/initiatives/{initiative.slug}/activity/{MARCH_2025}/",
        {**figures(), "month": MARCH_2025, "hours": 3},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "month": "Unknown field: month.",
        "hours": "Unknown field: hours.",
    }


@pytest.mark.parametrize(
    "body", ['{"kind": "money",', "[1, 2]", '"text"', "null", '{"kind": NaN}', b"\xff\xfe"]
)
def test_malformed_json_is_a_400_in_json(owner, initiative, body):
    response = send(
        token_client(owner), "post", f"{API}/initiatives/{initiative.slug}/needs/", body
    )

    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_body_that_is_not_json_is_a_415(owner, initiative):
    response = token_client(owner).post(
        f"{API}/initiatives/{initiative.slug}/needs/",
        "kind=money",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    assert "detail" in response.json()


def test_an_oversized_body_is_refused_without_reading_it(owner, initiative, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = send(
        token_client(owner),
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        {"kind": "money", "title": "x", "description": "a" * 5_000},
    )

    assert response.status_code == 413
    assert "detail" in response.json()
    assert not Need.objects.exists()


def test_text_with_a_nul_character_is_refused(owner, initiative):
    response = send(
        token_client(owner),
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        {"kind": "money", "title": "Zaad\u0000"},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title"}


def test_a_lone_surrogate_in_a_field_name_is_a_400_not_a_500(owner, initiative):
    response = send(
        token_client(owner),
        "post",
        f"{API}/initiatives/{initiative.slug}/needs/",
        '{"kind": "money", "title": "Zaad", "\\ud800": 1}',
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["\\ud800"]


@pytest.mark.parametrize("code", ["\u0000", "GM0363\u0000", 363, ["GM0363"], "gm0363"])
def test_a_malformed_cbs_code_is_refused_before_the_lookup(owner, initiative, code):
    response = send(
        token_client(owner), "patch", f"{API}/initiatives/{initiative.slug}/", {"district": code}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"district"}


# --- Lists --------------------------------------------------------------------------------------


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_open_needs_list_runs_a_constant_number_of_queries(initiative):
    # Given
    url = f"{API}/initiatives/{initiative.slug}/needs/?page_size=100"
    NeedFactory(initiative=initiative)
    with_one = queries_of(Client(), url)
    NeedFactory.create_batch(30, initiative=initiative)

    # When
    with_many = queries_of(Client(), url)

    # Then
    assert with_many == with_one


def report_months(initiative, owner, months: range) -> None:
    for month in months:
        for hours in ("10.0", "12.0"):  # the second is a correction: one revision each
            activity_report_save(
                initiative=initiative,
                user=owner,
                month=datetime.date(2024, month, 1),
                volunteer_hours=Decimal(hours),
                active_volunteers=2,
                people_reached=5,
            )


def test_the_activity_list_runs_a_constant_number_of_queries(owner, initiative):
    # Given
    url = f"{API}/initiatives/{initiative.slug}/activity/"
    client = token_client(owner)
    client.get(url)  # the token's first use records itself once
    report_months(initiative, owner, range(1, 2))
    with_one = queries_of(client, url)
    report_months(initiative, owner, range(2, 13))

    # When
    with_many = queries_of(client, url)

    # Then
    assert with_many == with_one
    assert all(len(report["history"]) == 1 for report in client.get(url).json()["results"])
