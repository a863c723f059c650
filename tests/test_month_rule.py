"""One rule for the month of any report (web form, API, a month with its quantities): not before
January of max(founding year, 2000), not after the current month."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.api_auth import api_token_create
from impact.models import IndicatorQuantity
from impact.reporting import month_report_save
from initiatives.models import ActivityReport
from initiatives.validators import validate_report_month
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

FOUNDED = 2015


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def next_month() -> datetime.date:
    return (this_month() + datetime.timedelta(days=32)).replace(day=1)


def refused() -> list[datetime.date]:
    return [
        datetime.date(1, 1, 1),
        datetime.date(1999, 12, 1),
        datetime.date(FOUNDED - 1, 12, 1),
        next_month(),
    ]


def accepted() -> list[datetime.date]:
    return [this_month(), datetime.date(FOUNDED, 1, 1)]


def text(month: datetime.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


@pytest.fixture
def founded_initiative(reference_data, owner):
    return InitiativeFactory(published=True, owner=owner, founded_year=FOUNDED)


FIGURES = {"volunteer_hours": "12.0", "active_volunteers": 3, "people_reached": 40}


# --- The rule itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("founded_year", [None, 1950, 2000])
def test_no_month_before_2000_even_for_older_initiatives(founded_year):
    with pytest.raises(ValidationError) as error:
        validate_report_month(datetime.date(1999, 12, 1), founded_year=founded_year)
    assert set(error.value.message_dict) == {"month"}
    validate_report_month(datetime.date(2000, 1, 1), founded_year=founded_year)


def test_the_month_message_is_dutch():
    with translation.override("nl"), pytest.raises(ValidationError) as error:
        validate_report_month(datetime.date(2014, 12, 1), founded_year=FOUNDED)
    assert error.value.message_dict["month"] == [
        "Kies een maand vanaf januari 2015, het jaar waarin het initiatief is opgericht."
    ]


# --- The web activity form ---------------------------------------------------------------------


def post_activity(client, owner, founded_initiative, month: datetime.date):
    client.force_login(owner)
    return client.post(
        reverse("initiative_activity", args=[founded_initiative.slug]),
        {"month": text(month), **FIGURES},
    )


@pytest.mark.parametrize("index", range(4))
def test_the_web_form_refuses_a_month_outside_the_rule(client, owner, founded_initiative, index):
    month = refused()[index]
    response = post_activity(client, owner, founded_initiative, month)
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert not ActivityReport.objects.exists()


@pytest.mark.parametrize("index", range(2))
def test_the_web_form_accepts_this_month_and_the_founding_january(
    client, owner, founded_initiative, index
):
    month = accepted()[index]
    response = post_activity(client, owner, founded_initiative, month)
    assert response.status_code == 302
    assert ActivityReport.objects.get().month == month


# --- The API -------------------------------------------------------------------------------------


def api(owner):
    _token, key = api_token_create(user=owner, name="test")
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("index", range(4))
def test_the_api_refuses_a_month_outside_the_rule(owner, founded_initiative, index):
    month = refused()[index]
    client = api(owner)
    posted = client.post(
        f"/api/v1/initiatives/{founded_initiative.slug}/activity/",
        json.dumps({"month": text(month), **FIGURES}),
        content_type="application/json",
    )
    assert posted.status_code == 400
    assert set(posted.json()["errors"]) == {"month"}
    put = client.put(
        f"/api/v1/initiatives/{founded_initiative.slug}/activity/{text(month)}/",
        json.dumps(FIGURES),
        content_type="application/json",
    )
    # A year before 1800 is no month at all in an address (404); the rest is refused with 400.
    assert put.status_code in ((404,) if month.year < 1800 else (400,))
    assert not ActivityReport.objects.exists()


@pytest.mark.parametrize("index", range(2))
def test_the_api_accepts_this_month_and_the_founding_january(owner, founded_initiative, index):
    month = accepted()[index]
    response = api(owner).put(
        f"/api/v1/initiatives/{founded_initiative.slug}/activity/{text(month)}/",
        json.dumps(FIGURES),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert ActivityReport.objects.get().month == month


# --- A whole month with its quantities (impact.reporting) -----------------------------------------


def save_month(founded_initiative, owner, month: datetime.date):  # noqa: ANN001, ANN201
    return month_report_save(
        initiative=founded_initiative,
        user=owner,
        month=month,
        volunteer_hours=Decimal(10),
        active_volunteers=2,
        people_reached=5,
        quantities={"meals_served": Decimal(10)},
    )


@pytest.mark.parametrize("index", range(4))
def test_the_month_service_refuses_a_month_outside_the_rule(owner, founded_initiative, index):
    with pytest.raises(ValidationError) as error:
        save_month(founded_initiative, owner, refused()[index])
    assert set(error.value.message_dict) == {"month"}
    assert not IndicatorQuantity.objects.exists()
    assert not ActivityReport.objects.exists()


@pytest.mark.parametrize("index", range(2))
def test_the_month_service_accepts_this_month_and_the_founding_january(
    owner, founded_initiative, index
):
    month = accepted()[index]
    assert save_month(founded_initiative, owner, month).quantities["meals_served"].month == month


def test_the_report_page_refuses_year_one_with_a_quantity(client, owner, founded_initiative):
    client.force_login(owner)
    response = client.post(
        reverse("initiative_activity", args=[founded_initiative.slug]),
        {"month": "0001-01", **FIGURES, "qty_meals_served": "5"},
    )
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert not IndicatorQuantity.objects.exists()


@pytest.mark.parametrize("index", range(4))
def test_the_report_page_does_not_load_a_month_outside_the_rule(
    client, owner, founded_initiative, index
):
    client.force_login(owner)
    response = client.get(
        reverse("initiative_activity", args=[founded_initiative.slug]),
        {"maand": text(refused()[index])},
    )
    assert response.status_code == 200
    assert "maand" in response.context["choice"].errors
    assert response.context["month"] != refused()[index]
