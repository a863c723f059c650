"""Free text has a maximum length in model, form and serializer; only an unreachable database is
a 503 (issue 14, point 5).

A 2.4 MB description overflowed the search vector (PostgreSQL's tsvector holds at most 1 MB);
the error was an OperationalError, and every OperationalError was taken for an outage.

This module doubles as a URLconf (pytest.mark.urls) with views that raise database errors.
"""

import psycopg
import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import Client
from django.urls import path
from rest_framework.decorators import api_view

from accounts.api_auth import api_token_create
from common.middleware import is_database_unavailable
from config import urls as config_urls
from impact.models import MethodIndicator, MethodVersion
from initiatives.models import HelpOffer, Initiative, InitiativeEvent, Need
from members.models import MemberOrganisation, Membership
from tests.factories import InitiativeFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

# 2.4 MB of distinct words: more than a tsvector can hold.
HUGE_TEXT = " ".join(f"woord{n:07d}" for n in range(200_000))
DUTCH_TOO_LONG_FORM = "Zorg dat deze waarde niet meer dan 10000 tekens bevat"
DUTCH_TOO_LONG_API = "Zorg ervoor dat dit veld niet meer dan 10000 karakters bevat."


def _raise(psycopg_error: Exception) -> None:
    """Raises the error as Django's database layer does: the driver's error as the cause."""
    django_class = IntegrityError if isinstance(psycopg_error, psycopg.IntegrityError) else None
    raise (django_class or OperationalError)(str(psycopg_error)) from psycopg_error


def _tsvector_too_long(request):
    _raise(psycopg.errors.ProgramLimitExceeded("string is too long for tsvector"))


def _admin_shutdown(request):
    _raise(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))


@api_view(["GET"])
def _api_tsvector_too_long(request):
    _raise(psycopg.errors.ProgramLimitExceeded("string is too long for tsvector"))


@api_view(["GET"])
def _api_admin_shutdown(request):
    _raise(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))


urlpatterns = [
    path("test-fout/tsvector/", _tsvector_too_long),
    path("test-fout/afgesloten/", _admin_shutdown),
    path("api/test-fout/tsvector/", _api_tsvector_too_long),
    path("api/test-fout/afgesloten/", _api_admin_shutdown),
    *config_urls.urlpatterns,
]
handler400 = config_urls.handler400
handler500 = config_urls.handler500


@pytest.fixture
def short_initiative(owner):
    return InitiativeFactory(published=True, owner=owner, description="Kort.")


def _profile(short_initiative: Initiative, **changes: str) -> dict:
    return {
        "name": short_initiative.name,
        "summary": short_initiative.summary,
        "kind": short_initiative.kind,
        "municipality": short_initiative.municipality_id,
        "legal_form": "none",
        **changes,
    }


# --- (a) limits in form, serializer and database -------------------------------------------


def test_a_huge_description_through_the_web_form_is_a_dutch_form_error(client, owner):
    # Given a resident on the new-initiative form
    municipality = MunicipalityFactory()
    client.force_login(owner)

    # When a 2.4 MB description is posted
    response = client.post(
        "/initiatieven/nieuw/",
        {"name": "Moestuin", "summary": "Samen tuinieren.", "kind": "garden",
         "municipality": municipality.code, "legal_form": "none", "description": HUGE_TEXT},
    )  # fmt: skip

    # Then the form answers with a Dutch message at the field, and nothing is saved
    assert response.status_code == 200
    assert DUTCH_TOO_LONG_FORM in response.content.decode()
    assert Initiative.objects.count() == 0


def test_a_huge_description_on_the_edit_form_changes_nothing(client, owner, short_initiative):
    client.force_login(owner)

    response = client.post(
        f"/initiatieven/{short_initiative.slug}/bewerken/",
        _profile(short_initiative, description=HUGE_TEXT, name="Nieuwe naam"),
    )

    assert response.status_code == 200
    assert DUTCH_TOO_LONG_FORM in response.content.decode()
    short_initiative.refresh_from_db()
    assert (short_initiative.name, short_initiative.description) != ("Nieuwe naam", HUGE_TEXT)
    assert short_initiative.description == "Kort."


def test_a_huge_description_through_the_api_is_a_dutch_400(owner):
    # Given a resident's API token
    municipality = MunicipalityFactory()
    _token, key = api_token_create(user=owner, name="test")

    # When a 2.4 MB description is posted
    response = Client().post(
        "/api/v1/initiatives/",
        {"name": "Moestuin", "summary": "Samen tuinieren.", "kind": "garden",
         "municipality": municipality.code, "description": HUGE_TEXT},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )  # fmt: skip

    # Then a 400 with the Dutch message at the field, and nothing saved
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"] == {"description": DUTCH_TOO_LONG_API}
    assert Initiative.objects.count() == 0


def test_a_description_of_exactly_the_limit_is_saved(client, owner, short_initiative):
    client.force_login(owner)
    text = ("tuin " * 2000)[:9_999] + "!"

    response = client.post(
        f"/initiatieven/{short_initiative.slug}/bewerken/",
        _profile(short_initiative, description=text),
    )

    assert response.status_code == 302
    short_initiative.refresh_from_db()
    assert short_initiative.description == text


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        (Initiative, "description", 10_000),
        (Initiative, "return_reason", 2_000),
        (InitiativeEvent, "reason", 2_000),
        (Need, "description", 2_000),
        (HelpOffer, "message", 4_000),
        (MemberOrganisation, "story", 5_000),
        (Membership, "reason", 2_000),
        (MethodVersion, "changes", 10_000),
        (MethodIndicator, "value_source", 2_000),
    ],
)
def test_the_database_refuses_free_text_over_its_limit(model, field, limit):
    # Given the field's limit in the model (which forms and the admin take over)
    assert model._meta.get_field(field).max_length == limit
    table, column = model._meta.db_table, model._meta.get_field(field).column
    constraints = connection.introspection.get_constraints(connection.cursor(), table)
    checks = [c for c in constraints.values() if c["check"] and c["columns"] == [column]]

    # Then a CHECK constraint in PostgreSQL holds it too, whatever code writes the row
    assert len(checks) == 1, constraints


def test_a_direct_write_over_the_limit_is_refused_by_the_database(short_initiative):
    with pytest.raises(IntegrityError):
        Initiative.objects.filter(pk=short_initiative.pk).update(description="x" * 10_001)


# --- (b) only an unreachable database is a 503 ---------------------------------------------


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (psycopg.OperationalError("connection failed: Connection refused"), True),
        (psycopg.errors.ConnectionFailure("server closed the connection"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.CrashShutdown("crash"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.ProgramLimitExceeded("string is too long for tsvector"), False),
        (psycopg.errors.QueryCanceled("statement timeout"), False),
        (psycopg.errors.DiskFull("could not extend file"), False),
    ],
    ids=lambda value: getattr(value, "sqlstate", None) or str(value)[:12],
)
def test_only_connection_level_errors_mean_the_database_is_unavailable(error, unavailable):
    try:
        _raise(error)
    except OperationalError as exc:
        assert is_database_unavailable(exc) is unavailable


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("prefix", ["", "/api"], ids=["page", "api"])
def test_a_non_connection_database_error_is_a_500_not_a_503(settings, prefix):
    settings.DEBUG = False

    response = Client(raise_request_exception=False).get(f"{prefix}/test-fout/tsvector/")

    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("prefix", ["", "/api"], ids=["page", "api"])
def test_a_database_that_shuts_down_is_still_a_503(settings, prefix):
    settings.DEBUG = False

    response = Client(raise_request_exception=False).get(f"{prefix}/test-fout/afgesloten/")

    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
