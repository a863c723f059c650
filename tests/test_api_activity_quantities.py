"""The monthly report through the API with its indicator quantities (issue #18): the same
service as the web page (`month_report_save`), the questions a month asks, and the activities
an initiative declares."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.api_auth import api_token_create
from impact.models import IndicatorQuantity, InitiativeActivity
from impact.reporting import month_report_save
from impact.scoring import month_add
from impact.services import initiative_activities_set
from initiatives.models import ActivityReport, Ownership
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
LAST_MONTH = month_add(datetime.date.today().replace(day=1), -1)
MONTH = LAST_MONTH.strftime("%Y-%m")


@pytest.fixture
def repair_cafe(initiative, owner):
    initiative_activities_set(
        initiative=initiative, user=owner, activity_codes=["repair_cafe", "klussen_aan_huis"]
    )
    return initiative


def token_client(user) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def send(client: Client, method: str, url: str, data: object) -> object:
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json")


def figures(**overrides) -> dict:
    return {"volunteer_hours": "40.0", "active_volunteers": 6, "people_reached": 30, **overrides}


def month_url(initiative) -> str:
    return f"{API}/initiatives/{initiative.slug}/activity/{MONTH}/"


def stored(initiative) -> dict[str, Decimal]:
    return dict(
        IndicatorQuantity.objects.filter(initiative=initiative).values_list(
            "indicator__code", "quantity"
        )
    )


# --- A month with its quantities ----------------------------------------------------------------


def test_a_month_with_quantities_round_trips(owner, repair_cafe):
    # Given
    client = token_client(owner)

    # When
    put = send(
        client,
        "put",
        month_url(repair_cafe),
        {**figures(), "quantities": {"repairs": "35", "repair_meetings": 2}},
    )

    # Then the answer, the month and the list all show the quantities
    assert put.status_code == 201, put.content
    expected = {
        "repairs": {
            "quantity": "35.00",
            "unit": "repairs",
            "held_for_review": False,
            "review": "",
        },
        "repair_meetings": {
            "quantity": "2.00",
            "unit": "meetings",
            "held_for_review": False,
            "review": "",
        },
    }
    assert put.json()["quantities"] == expected
    assert put.json()["warnings"] == []
    assert client.get(month_url(repair_cafe)).json()["quantities"] == expected
    listed = client.get(f"{API}/initiatives/{repair_cafe.slug}/activity/").json()["results"]
    assert listed[0]["quantities"] == expected
    assert "warnings" not in listed[0]
    assert stored(repair_cafe) == {"repairs": Decimal(35), "repair_meetings": Decimal(2)}


def test_the_units_follow_the_language_of_the_request(owner, repair_cafe):
    client = token_client(owner)
    send(client, "put", month_url(repair_cafe), {**figures(), "quantities": {"repairs": "3"}})

    dutch = client.get(month_url(repair_cafe), HTTP_ACCEPT_LANGUAGE="nl").json()

    assert dutch["quantities"]["repairs"]["unit"] == "reparaties"


def test_post_reports_a_month_with_quantities(owner, repair_cafe):
    response = send(
        token_client(owner),
        "post",
        f"{API}/initiatives/{repair_cafe.slug}/activity/",
        {"month": MONTH, **figures(), "quantities": {"odd_jobs_done": "12"}},
    )

    assert response.status_code == 201, response.content
    assert response.json()["quantities"]["odd_jobs_done"]["quantity"] == "12.00"
    assert stored(repair_cafe) == {"odd_jobs_done": Decimal(12)}


def test_null_removes_a_quantity_and_a_code_left_out_stays(owner, repair_cafe):
    # Given
    client = token_client(owner)
    send(
        client,
        "put",
        month_url(repair_cafe),
        {**figures(), "quantities": {"repairs": "35", "repair_meetings": "2"}},
    )

    # When
    response = send(
        client, "put", month_url(repair_cafe), {**figures(), "quantities": {"repairs": None}}
    )

    # Then
    assert response.status_code == 200, response.content
    assert set(response.json()["quantities"]) == {"repair_meetings"}
    assert stored(repair_cafe) == {"repair_meetings": Decimal(2)}


def test_figures_without_quantities_leave_the_quantities_alone(owner, repair_cafe):
    client = token_client(owner)
    send(client, "put", month_url(repair_cafe), {**figures(), "quantities": {"repairs": "35"}})

    response = send(client, "put", month_url(repair_cafe), figures(people_reached=31))

    assert response.status_code == 200
    assert response.json()["people_reached"] == 31
    assert stored(repair_cafe) == {"repairs": Decimal(35)}


@pytest.mark.parametrize(
    ("quantities", "key"),
    [
        ({"nonsense": "3"}, "quantities.nonsense"),
        # A universal figure is a field of the month, not a quantity.
        ({"volunteer_hours": "3"}, "quantities.volunteer_hours"),
        ({"repairs": "-1"}, "quantities.repairs"),
        ({"repairs": "1.234"}, "quantities.repairs"),
        ({"repairs": "many"}, "quantities.repairs"),
        ({"repairs": "NaN"}, "quantities.repairs"),
        ({"repairs": "1e13"}, "quantities.repairs"),
        ({"repairs": ["3"]}, "quantities.repairs"),
        ({"rep airs": "3"}, "quantities.rep airs"),
        ({"\ud800": "3"}, "quantities.\\ud800"),
        ({"x" * 51: "3"}, f"quantities.{'x' * 51}"),
        # R9: hours per activity add up to 13, more than the month's 10.
        (
            {"household_help_hours": "8", "individual_support_hours": "5"},
            "quantities.household_help_hours",
        ),
    ],
)
def test_a_bad_quantity_saves_nothing_of_the_month(owner, repair_cafe, quantities, key):
    response = send(
        token_client(owner),
        "put",
        month_url(repair_cafe),
        {**figures(volunteer_hours="10.0"), "quantities": quantities},
    )

    assert response.status_code == 400, response.content
    assert key in response.json()["errors"]
    assert isinstance(response.json()["errors"][key], str)
    assert not ActivityReport.objects.filter(initiative=repair_cafe).exists()
    assert not IndicatorQuantity.objects.exists()


def test_a_bad_quantity_in_a_correction_keeps_the_month_as_it_was(owner, repair_cafe):
    # Given
    client = token_client(owner)
    send(client, "put", month_url(repair_cafe), {**figures(), "quantities": {"repairs": "35"}})

    # When
    response = send(
        client,
        "put",
        month_url(repair_cafe),
        {**figures(people_reached=99), "quantities": {"repairs": "36", "nonsense": "1"}},
    )

    # Then
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"quantities.nonsense"}
    report = ActivityReport.objects.get(initiative=repair_cafe)
    assert (report.people_reached, report.revision) == (30, 1)
    assert stored(repair_cafe) == {"repairs": Decimal(35)}


def test_quantities_that_are_not_an_object_are_refused_on_the_field(owner, repair_cafe):
    response = send(
        token_client(owner), "put", month_url(repair_cafe), {**figures(), "quantities": ["3"]}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"quantities"}


def test_too_many_quantities_are_refused(owner, repair_cafe):
    quantities = {f"code_{n}": "1" for n in range(101)}

    response = send(
        token_client(owner), "put", month_url(repair_cafe), {**figures(), "quantities": quantities}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"quantities"}


def test_an_implausible_quantity_is_saved_held_and_warned_of(owner, repair_cafe, staff):
    # When
    response = send(
        token_client(owner),
        "put",
        month_url(repair_cafe),
        {**figures(), "quantities": {"repairs": "900"}},
    )

    # Then it is saved, held, and the answer says why
    assert response.status_code == 201
    body = response.json()
    assert body["quantities"]["repairs"]["held_for_review"] is True
    [warning] = body["warnings"]
    assert (warning["code"], warning["quantity"]) == ("repairs", "900.00")
    assert Decimal(warning["plausibility_max"]) == 500
    assert "900" in warning["message"] and "500" in warning["message"]
    assert stored(repair_cafe) == {"repairs": Decimal(900)}

    # And once staff accepted it, it is no longer held
    IndicatorQuantity.objects.update(review=IndicatorQuantity.Review.ACCEPTED)
    shown = token_client(staff).get(month_url(repair_cafe)).json()["quantities"]["repairs"]
    assert (shown["held_for_review"], shown["review"]) == (False, "accepted")


def test_the_schema_documents_quantities_warnings_and_the_new_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]

    assert "quantities" in components["ActivityFiguresRequest"]["properties"]
    assert "quantities" in components["ActivityReportInputRequest"]["properties"]
    assert "quantities" in components["ActivityReportOutput"]["properties"]
    assert "warnings" in components["ActivityReportWriteOutput"]["properties"]
    assert "activities" in components["ListedInitiative"]["properties"]
    assert "activities" in components["InitiativeDetail"]["properties"]
    paths = schema["paths"]
    assert "get" in paths["/api/v1/initiatives/{slug}/activity/questions/"]
    assert {"get", "put"} <= set(paths["/api/v1/initiatives/{slug}/activities/"])


# --- The questions of a month -------------------------------------------------------------------


def questions_url(initiative) -> str:
    return f"{API}/initiatives/{initiative.slug}/activity/questions/"


def test_the_questions_are_those_of_the_declared_activities(owner, repair_cafe):
    response = token_client(owner).get(questions_url(repair_cafe), HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 200
    body = response.json()
    assert body["method_version"] == "2027.2"
    assert body["month"] is None
    by_code = {q["code"]: q for q in body["questions"]}
    assert {"repairs", "repair_meetings", "odd_jobs_done"} <= set(by_code)
    assert "meals_served" not in by_code and "volunteer_hours" not in by_code
    repairs = by_code["repairs"]
    assert repairs["question"].startswith("Hoeveel reparaties")
    assert (repairs["unit"], Decimal(repairs["plausibility_max"])) == ("reparaties", 500)
    assert repairs["deducts_hours"] is False
    assert repairs["activities"] == ["Repair café"]
    assert set(repairs) == {
        "code",
        "question",
        "name",
        "unit",
        "help",
        "plausibility_max",
        "deducts_hours",
        "activities",
    }


def test_a_month_keeps_asking_what_it_already_has(owner, repair_cafe):
    month_report_save(
        initiative=repair_cafe,
        user=owner,
        month=LAST_MONTH,
        volunteer_hours=Decimal(10),
        active_volunteers=1,
        people_reached=1,
        quantities={"meals_served": Decimal(40)},
    )
    client = token_client(owner)

    with_month = client.get(questions_url(repair_cafe) + f"?month={MONTH}").json()
    without = client.get(questions_url(repair_cafe)).json()

    assert with_month["month"] == MONTH
    assert "meals_served" in {q["code"] for q in with_month["questions"]}
    assert "meals_served" not in {q["code"] for q in without["questions"]}


@pytest.mark.parametrize("month", ["2025-13", "March", "", "0001-01"])
def test_a_malformed_month_for_the_questions_is_a_400(owner, repair_cafe, month):
    response = token_client(owner).get(questions_url(repair_cafe) + f"?month={month}")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"month"}


def test_no_declared_activities_ask_nothing(owner, initiative):
    response = token_client(owner).get(questions_url(initiative))

    assert response.status_code == 200
    assert response.json()["questions"] == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", 200),
        ("co_owner", 200),
        ("staff", 200),
        ("anonymous", 401),
        ("resident", 403),
    ],
)
def test_the_questions_are_for_owners_and_staff(owner, staff, repair_cafe, role, expected):
    users = {"owner": owner, "staff": staff, "resident": UserFactory(), "co_owner": UserFactory()}
    Ownership.objects.create(
        initiative=repair_cafe, user=users["co_owner"], role=Ownership.Role.CO_OWNER
    )
    client = Client() if role == "anonymous" else token_client(users[role])

    assert client.get(questions_url(repair_cafe)).status_code == expected


def test_a_drafts_questions_are_not_found_for_others(owner):
    draft = InitiativeFactory(owner=owner)

    assert token_client(UserFactory()).get(questions_url(draft)).status_code == 404
    assert token_client(owner).get(questions_url(draft)).status_code == 200


# --- Declared activities ------------------------------------------------------------------------


def activities_url(initiative) -> str:
    return f"{API}/initiatives/{initiative.slug}/activities/"


def declared(initiative) -> list[str]:
    return sorted(
        InitiativeActivity.objects.filter(initiative=initiative).values_list(
            "activity__code", flat=True
        )
    )


def test_an_owner_declares_activities_and_everyone_reads_them(owner, initiative):
    # When
    response = send(
        token_client(owner),
        "put",
        activities_url(initiative),
        {"activities": ["repair_cafe", "klussen_aan_huis", "repair_cafe"]},
    )

    # Then
    assert response.status_code == 200, response.content
    expected = [
        {"code": "klussen_aan_huis", "name": "Odd jobs at home"},
        {"code": "repair_cafe", "name": "Repair café"},
    ]
    assert response.json() == {"activities": expected}
    assert declared(initiative) == ["klussen_aan_huis", "repair_cafe"]
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.get(activities_url(initiative)).json() == {"activities": expected}
    assert anonymous.get(f"{API}/initiatives/{initiative.slug}/").json()["activities"] == expected
    listed = anonymous.get(f"{API}/initiatives/").json()["results"]
    assert [i["activities"] for i in listed if i["slug"] == initiative.slug] == [expected]


def test_an_empty_list_declares_none(owner, repair_cafe):
    response = send(token_client(owner), "put", activities_url(repair_cafe), {"activities": []})

    assert response.status_code == 200
    assert response.json() == {"activities": []}
    assert declared(repair_cafe) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"activities": ["repair_cafe", "bestaat_niet"]}, "activities"),
        ({"activities": ["rep air"]}, "activities"),
        ({"activities": ["\ud800"]}, "activities"),
        ({"activities": "repair_cafe"}, "activities"),
        ({"activities": [None]}, "activities"),
        ({}, "activities"),
        ({"activities": [], "extra": 1}, "extra"),
    ],
)
def test_bad_activities_change_nothing(owner, repair_cafe, body, field):
    response = send(token_client(owner), "put", activities_url(repair_cafe), body)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert declared(repair_cafe) == ["klussen_aan_huis", "repair_cafe"]


def test_an_unknown_activity_is_named(owner, repair_cafe):
    response = send(
        token_client(owner), "put", activities_url(repair_cafe), {"activities": ["bestaat_niet"]}
    )

    assert response.json()["errors"] == {"activities": "Unknown activity: bestaat_niet."}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("owner", 200), ("co_owner", 200), ("anonymous", 401), ("resident", 403), ("staff", 403)],
)
def test_only_owners_declare_activities(owner, staff, initiative, role, expected):
    users = {"owner": owner, "staff": staff, "resident": UserFactory(), "co_owner": UserFactory()}
    Ownership.objects.create(
        initiative=initiative, user=users["co_owner"], role=Ownership.Role.CO_OWNER
    )
    client = Client() if role == "anonymous" else token_client(users[role])

    response = send(client, "put", activities_url(initiative), {"activities": ["repair_cafe"]})

    assert response.status_code == expected, response.content
    assert declared(initiative) == (["repair_cafe"] if expected == 200 else [])


def test_a_drafts_activities_are_not_found_for_others(owner):
    draft = InitiativeFactory(owner=owner)
    stranger = token_client(UserFactory())

    assert stranger.get(activities_url(draft)).status_code == 404
    put = send(stranger, "put", activities_url(draft), {"activities": ["repair_cafe"]})
    assert put.status_code == 404
    assert Client().get(activities_url(draft)).status_code == 404
    assert token_client(owner).get(activities_url(draft)).status_code == 200


def test_a_session_put_needs_the_csrf_token(owner, initiative):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = send(client, "put", activities_url(initiative), {"activities": ["repair_cafe"]})

    assert response.status_code == 403
    assert declared(initiative) == []


# --- Constant queries ---------------------------------------------------------------------------


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def report_months_with_quantities(initiative, owner, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        month_report_save(
            initiative=initiative,
            user=owner,
            month=month_add(LAST_MONTH, -n),
            volunteer_hours=Decimal(20),
            active_volunteers=2,
            people_reached=5,
            quantities={"repairs": Decimal(n + 1), "repair_meetings": Decimal(1)},
        )


def test_the_activity_list_with_quantities_runs_a_constant_number_of_queries(
    owner, repair_cafe, django_assert_max_num_queries
):
    # Given
    url = f"{API}/initiatives/{repair_cafe.slug}/activity/?page_size=100"
    client = token_client(owner)
    client.get(url)  # the token's first use records itself once
    report_months_with_quantities(repair_cafe, owner, 1)
    with_one = queries_of(client, url)
    report_months_with_quantities(repair_cafe, owner, 20, start=1)

    # When / Then
    with django_assert_max_num_queries(with_one):
        results = client.get(url).json()["results"]
    assert len(results) == 21
    assert all(set(r["quantities"]) == {"repairs", "repair_meetings"} for r in results)


def test_the_public_list_with_activities_runs_a_constant_number_of_queries(
    owner, django_assert_max_num_queries
):
    # Given
    url = f"{API}/initiatives/?page_size=100"
    first = InitiativeFactory(published=True, owner=owner)
    initiative_activities_set(initiative=first, user=owner, activity_codes=["repair_cafe"])
    with_one = queries_of(Client(), url)
    for _ in range(15):
        other = InitiativeFactory(published=True, owner=owner)
        initiative_activities_set(
            initiative=other, user=owner, activity_codes=["repair_cafe", "voedselhulp"]
        )

    # When / Then
    with django_assert_max_num_queries(with_one):
        results = Client().get(url).json()["results"]
    assert len(results) == 16
    assert all(r["activities"] for r in results)
