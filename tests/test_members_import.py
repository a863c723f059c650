"""Import of member organisations (dry run, apply, progress) and the exports of member data.

Most tests queue nothing: the dry run and the apply are run in the test (`_run_queued`), as the
worker would run them. One journey runs a 2,000-row file through a real Celery worker on a
Redis of its own.
"""

import csv
import datetime
import io
import os
import re
import time

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook, load_workbook

from members import imports, services
from members.models import ContactPerson, MemberImportJob, MemberOrganisation, Membership
from members.resources import COLUMNS
from tests.factories import DistrictFactory, MunicipalityFactory, UserFactory
from tests.member_factories import (
    ContactPersonFactory,
    DuesFactory,
    MemberOrganisationFactory,
    MembershipFactory,
)
from tests.member_factories import lsa_staff as make_lsa_staff
from tests.services import worker_thread

IMPORT_URL = "/beheer/members/import/"


# --- Fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files go to folders of this test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def lsa_staff(db):
    return make_lsa_staff(email="medewerker@lsa.example.org")


@pytest.fixture
def staff_client(client, lsa_staff):
    client.force_login(lsa_staff)
    client.cookies["taal"] = "en"
    return client


@pytest.fixture
def places(db):
    amsterdam = MunicipalityFactory(code="GM0363", name="Amsterdam")
    groningen = MunicipalityFactory(code="GM0014", name="Groningen")
    return {
        "amsterdam": amsterdam,
        "groningen": groningen,
        "centrum": DistrictFactory(municipality=amsterdam, code="WK036300", name="Centrum"),
        "beijum": DistrictFactory(municipality=groningen, code="WK001412", name="Beijum"),
    }


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, str]]:
    """Tasks are recorded instead of sent; `_run_queued` runs them like the worker would."""
    from members import tasks

    sent: list[tuple[str, str]] = []
    for task in (tasks.member_import_check, tasks.member_import_apply):
        monkeypatch.setattr(
            task, "delay", lambda job_id, _name=task.name: sent.append((_name, job_id))
        )
    return sent


def _run_queued(queued: list[tuple[str, str]]) -> None:
    from members import tasks

    functions = {t.name: t for t in (tasks.member_import_check, tasks.member_import_apply)}
    while queued:
        name, job_id = queued.pop(0)
        functions[name](job_id)


def _csv(rows: list[dict], columns=COLUMNS, delimiter: str = ";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode("utf-8")


def _xlsx(rows: list[dict], columns=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _file(rows: list[dict], fmt: str = "csv") -> tuple[str, bytes]:
    return f"leden.{fmt}", (_csv(rows) if fmt == "csv" else _xlsx(rows))


def _upload(client, name: str, data: bytes):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(IMPORT_URL, {"file": upload})


def _job_id(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def _dry_run(client, queued, rows: list[dict], fmt: str = "csv") -> tuple[str, dict]:
    job_id = _job_id(_upload(client, *_file(rows, fmt)))
    _run_queued(queued)
    job = _job(job_id)
    assert job["status"] == imports.Status.CHECKED, job
    return job_id, job["report"]


def _dry_run_bytes(client, queued, name: str, data: bytes) -> tuple[str, dict]:
    job_id = _job_id(_upload(client, name, data))
    _run_queued(queued)
    return job_id, _job(job_id)["report"]


def _apply(client, queued, job_id: str) -> dict:
    response = client.post(f"{IMPORT_URL}{job_id}/toepassen/")
    assert response.status_code == 302
    _run_queued(queued)
    return _job(job_id)


def _job(job_id: str) -> dict:
    """The job as the worker and the pages see it (whoever started it)."""
    return MemberImportJob.objects.values().get(pk=job_id)


def _lines(report: dict, kind: str) -> list[int]:
    return [row["line"] for row in report["rows"][kind]]


def _reasons(report: dict, line: int) -> list[list[str]]:
    [row] = [row for row in report["rows"]["refused"] if row["line"] == line]
    return row["reasons"]


def _row(**values: str) -> dict:
    base = {"naam": "Bewonersgroep Test", "type": "bewonersgroep", "gemeentecode": "GM0363"}
    return {**base, **values}


# --- Dry run --------------------------------------------------------------------------------------


def _mixed_rows() -> list[dict]:
    return [
        # line 2: new
        _row(naam="Hart voor de K-buurt", kvk="12345678", wijkcode="WK036300", plaats="Amsterdam"),
        # line 3: update of the existing organisation with this KvK number
        _row(
            naam="Bewonersorganisatie Beijum",
            gemeentecode="GM0014",
            kvk="87654321",
            adres="Beijumerweg 1",
        ),
        # line 4: refused, unknown gemeentecode
        _row(naam="Nergensdorp", gemeentecode="GM9999"),
        # line 5: matches an organisation by name and gemeente, and changes nothing
        _row(naam="Wijkraad Parkwijk", type="Wijkraad"),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dry_run_reports_new_update_and_refused_rows_and_saves_nothing(
    staff_client, queued, places, fmt
):
    # Given one organisation known by KvK and one by name and gemeente
    beijum = MemberOrganisationFactory(
        name="Bewonersorganisatie Beijum", municipality=places["groningen"], kvk_number="87654321"
    )
    MemberOrganisationFactory(
        name="Wijkraad Parkwijk",
        type=MemberOrganisation.Type.NEIGHBOURHOOD_COUNCIL,
        municipality=places["amsterdam"],
        kvk_number="",
        city="",
    )
    before = MemberOrganisation.history.count()

    # When the file is checked
    _, report = _dry_run(staff_client, queued, _mixed_rows(), fmt)

    # Then every row is reported with what it would do
    assert report["totals"] == {"new": 1, "update": 1, "unchanged": 1, "refused": 1}
    assert _lines(report, "new") == [2]
    assert _lines(report, "update") == [3]
    assert report["rows"]["update"][0]["changes"] == [["adres", "", "Beijumerweg 1"]]
    assert _lines(report, "unchanged") == [5]
    assert _reasons(report, 4) == [["gemeentecode", "Unknown municipality code “GM9999”."]]
    # and nothing was saved
    assert not MemberOrganisation.objects.filter(name="Hart voor de K-buurt").exists()
    beijum.refresh_from_db()
    assert beijum.street_address == ""
    assert MemberOrganisation.history.count() == before


def test_the_dry_run_page_shows_totals_rows_and_the_apply_button(staff_client, queued, places):
    job_id, _ = _dry_run(staff_client, queued, [_row(naam="Buurthuis De Boei", kvk="11112222")])

    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()

    assert "1 new, 0 updates, 0 unchanged, 0 refused" in html
    assert "Buurthuis De Boei" in html
    assert f'action="{IMPORT_URL}{job_id}/toepassen/"' in html
    assert 'http-equiv="refresh"' not in html
    assert html.count("<main") == 1


def test_refused_rows_leave_no_apply_button_and_an_apply_is_not_queued(
    staff_client, queued, places
):
    job_id, report = _dry_run(
        staff_client, queued, [_row(naam="Goed"), _row(naam="Fout", kvk="123")]
    )
    assert report["totals"]["refused"] == 1

    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()
    staff_client.post(f"{IMPORT_URL}{job_id}/toepassen/")

    assert "toepassen" not in html
    assert "Refused rows" in html and "A KvK number has exactly 8 digits." in html
    assert queued == []
    assert _job(job_id)["status"] == imports.Status.CHECKED
    assert not MemberOrganisation.objects.exists()


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"gemeentecode": "GM0000"}, "gemeentecode", "Unknown municipality code “GM0000”."),
        ({"kvk": "1234567"}, "kvk", "A KvK number has exactly 8 digits."),
        ({"kvk": "1234567a"}, "kvk", "A KvK number has exactly 8 digits."),
        ({"type": "voetbalclub"}, "type", "Unknown type “voetbalclub”"),
        ({"type": ""}, "type", "The type is missing."),
        ({"naam": ""}, "naam", "The name is missing."),
        ({"gemeentecode": ""}, "gemeentecode", "The municipality code (gemeentecode) is missing."),
        ({"contactpersoon": "Els", "e-mail": "els@"}, "e-mail", "Enter a valid email address."),
        ({"e-mail": "els@example.org"}, "contactpersoon", "Fill in the contact person's name"),
        ({"contactpersoon": "Els", "telefoon": "bel maar"}, "telefoon", "is not a phone number"),
        ({"wijkcode": "WK001412"}, "wijkcode", "District WK001412 does not lie in municipality"),
        ({"wijkcode": "WK999999"}, "wijkcode", "Unknown district code “WK999999”."),
        ({"postcode": "12345"}, "postcode", "is not a Dutch postcode"),
        ({"website": "http://"}, "website", "Enter a valid URL."),
        ({"lidmaatschap": "erelid"}, "lidmaatschap", "Unknown membership status “erelid”"),
        ({"lidmaatschap": "actief", "lid sinds": "gisteren"}, "lid sinds", "is not a date"),
        ({"lidmaatschap": "actief", "lid sinds": "2999-01-01"}, "lid sinds", "in the future"),
        ({"lidmaatschap": "beëindigd"}, "lidmaatschap", "An import cannot end a membership"),
        ({"lidmaatschap": "geschorst"}, "lidmaatschap", "An import cannot suspend"),
        ({"lid sinds": "2020-01-01"}, "lidmaatschap", "Fill in the membership status too"),
    ],
)
def test_a_bad_value_refuses_the_row_with_a_clear_reason(
    staff_client, queued, places, values, column, message
):
    _, report = _dry_run(staff_client, queued, [_row(**values)])

    assert report["totals"]["refused"] == 1
    assert any(c == column and message in m for c, m in _reasons(report, 2)), _reasons(report, 2)


def test_an_inactive_municipality_code_is_refused(staff_client, queued, places):
    MunicipalityFactory(code="GM0001", name="Opgeheven", is_active=False)

    _, report = _dry_run(staff_client, queued, [_row(gemeentecode="GM0001")])

    [[column, message]] = _reasons(report, 2)
    assert column == "gemeentecode"
    assert "no longer exists" in message


def test_a_kvk_number_of_another_organisation_with_that_name_is_refused(
    staff_client, queued, places
):
    MemberOrganisationFactory(
        name="Bewonersgroep Test", municipality=places["amsterdam"], kvk_number="11111111"
    )

    _, report = _dry_run(staff_client, queued, [_row(kvk="22222222")])

    [[column, message]] = _reasons(report, 2)
    assert column == "kvk"
    assert "already registered with KvK number 11111111" in message


def test_the_same_organisation_twice_in_a_file_refuses_the_second_row(staff_client, queued, places):
    rows = [
        _row(naam="Eerste", kvk="12345678"),
        _row(naam="Tweede", kvk="1234 5678"),
        _row(naam="Derde"),
        _row(naam="derde "),
    ]

    _, report = _dry_run(staff_client, queued, rows)

    assert _lines(report, "new") == [2, 4]
    assert _reasons(report, 3) == [
        ["", "The same organisation as on line 2 (same KvK number); one row each."]
    ]
    assert "line 4 (same name and municipality)" in _reasons(report, 5)[0][1]


def test_dutch_words_and_spreadsheet_habits_are_understood(staff_client, queued, places):
    row = _row(
        type="Buurtcoöperatie",
        postcode="1011ab",
        website="www.hartvoordekbuurt.nl",
        kvk="1234.5678",
        gemeentecode="gm0363",
        lidmaatschap="Actief",
        **{"lid sinds": "31-03-2024"},
    )
    job_id, report = _dry_run(staff_client, queued, [row])
    assert report["totals"]["new"] == 1

    _apply(staff_client, queued, job_id)

    organisation = MemberOrganisation.objects.get()
    assert organisation.type == MemberOrganisation.Type.NEIGHBOURHOOD_COOPERATIVE
    assert (organisation.postcode, organisation.kvk_number) == ("1011 AB", "12345678")
    assert organisation.website == "https://www.hartvoordekbuurt.nl"
    membership = organisation.memberships.get()
    assert membership.status == Membership.Status.ACTIVE
    assert membership.started_on == datetime.date(2024, 3, 31)


# --- Apply ----------------------------------------------------------------------------------------


def test_apply_saves_every_row_with_the_importing_user_in_the_history(
    staff_client, queued, places, lsa_staff
):
    existing = MemberOrganisationFactory(
        name="Bewonersorganisatie Beijum",
        municipality=places["groningen"],
        kvk_number="87654321",
        city="",
    )
    rows = [
        _row(
            naam="Hart voor de K-buurt",
            kvk="12345678",
            contactpersoon="Fatima Bakker",
            functie="voorzitter",
            **{"e-mail": "fatima@example.org", "lidmaatschap": "prospect"},
        ),
        _row(
            naam="Bewonersorganisatie Beijum",
            gemeentecode="GM0014",
            kvk="87654321",
            plaats="Groningen",
        ),
    ]
    job_id, _ = _dry_run(staff_client, queued, rows)

    job = _apply(staff_client, queued, job_id)

    assert job["status"] == imports.Status.APPLIED
    assert job["apply_report"]["totals"] == {"new": 1, "update": 1, "unchanged": 0, "refused": 0}
    created = MemberOrganisation.objects.get(kvk_number="12345678")
    assert created.slug == "hart-voor-de-k-buurt"
    [record] = created.history.all()
    assert (record.history_type, record.history_user) == ("+", lsa_staff)
    with translation.override(settings.LANGUAGE_CODE):
        reason = translation.gettext("Import of %(file)s") % {"file": "leden.csv"}
    assert record.history_change_reason == reason
    contact = ContactPerson.objects.get(organisation=created)
    assert (contact.name, contact.is_primary) == ("Fatima Bakker", True)
    assert contact.history.get().history_user == lsa_staff
    assert created.memberships.get().history.get().history_user == lsa_staff
    existing.refresh_from_db()
    assert existing.city == "Groningen"
    assert existing.history.latest().history_user == lsa_staff
    # The upload held personal data: gone once applied.
    assert not imports.file_storage().exists(job["path"])


def test_the_applied_page_says_what_was_saved(staff_client, queued, places):
    job_id, _ = _dry_run(staff_client, queued, [_row()])
    _apply(staff_client, queued, job_id)

    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()

    assert "The import is saved: 1 new, 0 updates, 0 unchanged, 0 refused." in html
    assert "toepassen" not in html


def test_a_row_that_fails_at_apply_saves_nothing_and_the_page_says_why(
    staff_client, queued, places
):
    # Given a clean dry run of three new organisations
    rows = [_row(naam="Een"), _row(naam="Twee", gemeentecode="GM0014"), _row(naam="Drie")]
    job_id, report = _dry_run(staff_client, queued, rows)
    assert report["totals"]["new"] == 3
    # When Groningen disappears from the CBS data before the apply
    places["groningen"].is_active = False
    places["groningen"].save()
    job = _apply(staff_client, queued, job_id)

    # Then nothing is saved, and the page names the row and the reason
    assert job["status"] == imports.Status.REFUSED
    assert not MemberOrganisation.objects.exists()
    assert not MemberOrganisation.history.exists()
    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()
    assert "Nothing was saved" in html
    assert "Municipality code GM0014 (Groningen) no longer exists" in html


def test_an_apply_runs_once_however_often_it_is_requested(staff_client, queued, places):
    job_id, _ = _dry_run(staff_client, queued, [_row()])

    staff_client.post(f"{IMPORT_URL}{job_id}/toepassen/")
    staff_client.post(f"{IMPORT_URL}{job_id}/toepassen/")

    assert len(queued) == 1
    _run_queued(queued)
    assert MemberOrganisation.objects.count() == 1


def test_an_update_changes_only_the_filled_in_cells_and_lists_them(staff_client, queued, places):
    organisation = MemberOrganisationFactory(
        name="Wijkvereniging De Leest",
        municipality=places["amsterdam"],
        kvk_number="33334444",
        street_address="Leest 1",
        city="Veghel",
        website="https://deleest.example.org",
    )
    ContactPersonFactory(
        organisation=organisation, name="Piet", email="piet@example.org", is_primary=True
    )
    row = _row(
        naam="Wijkvereniging De Leest",
        type="",
        kvk="33334444",
        plaats="Meierijstad",
        contactpersoon="Anna de Vries",
        **{"e-mail": "anna@example.org"},
    )
    job_id, report = _dry_run(staff_client, queued, [row])

    [update] = report["rows"]["update"]
    assert update["changes"] == [
        ["plaats", "Veghel", "Meierijstad"],
        ["contactpersoon", "Piet", "Anna de Vries"],
        ["functie", "secretaris", ""],
        ["e-mail", "piet@example.org", "anna@example.org"],
        ["telefoon", "06-12345678", ""],
    ]
    _apply(staff_client, queued, job_id)
    organisation.refresh_from_db()
    assert (organisation.street_address, organisation.website) == (
        "Leest 1",
        "https://deleest.example.org",
    )
    assert organisation.city == "Meierijstad"
    primary = organisation.contacts.get(is_primary=True)
    assert (primary.name, primary.email) == ("Anna de Vries", "anna@example.org")
    assert organisation.contacts.get(name="Piet").is_primary is False


def test_membership_steps_go_through_the_services(staff_client, queued, places):
    prospect = MemberOrganisationFactory(name="Aspirant", municipality=places["amsterdam"])
    MembershipFactory(organisation=prospect, applied_on=datetime.date(2024, 1, 1))
    suspended = MemberOrganisationFactory(name="Geschorst", municipality=places["amsterdam"])
    MembershipFactory(organisation=suspended, suspended=True)
    rows = [
        _row(
            naam="Aspirant",
            kvk=prospect.kvk_number,
            lidmaatschap="actief",
            **{"lid sinds": "2024-02-01"},
        ),
        _row(naam="Geschorst", kvk=suspended.kvk_number, lidmaatschap="actief"),
    ]
    job_id, report = _dry_run(staff_client, queued, rows)
    assert report["rows"]["update"][0]["changes"] == [
        ["lidmaatschap", "prospect", "active"],
        ["lid sinds", "", "2024-02-01"],
    ]

    _apply(staff_client, queued, job_id)

    activated = prospect.memberships.get()
    assert (activated.status, activated.started_on) == ("active", datetime.date(2024, 2, 1))
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(services.ACTIVATED)
    assert activated.history.latest().history_change_reason == reason
    resumed = suspended.memberships.get()
    assert (resumed.status, resumed.suspended_on) == ("active", None)


def test_a_membership_service_refusal_shows_in_the_dry_run(staff_client, queued, places):
    prospect = MemberOrganisationFactory(name="Aspirant", municipality=places["amsterdam"])
    MembershipFactory(organisation=prospect, applied_on=datetime.date(2024, 1, 10))
    row = _row(
        naam="Aspirant",
        kvk=prospect.kvk_number,
        lidmaatschap="actief",
        **{"lid sinds": "2023-06-01"},
    )

    _, report = _dry_run(staff_client, queued, [row])

    [[column, message]] = _reasons(report, 2)
    assert column == "lidmaatschap"
    assert message.startswith("The start date cannot be before the application date")


def test_new_organisations_get_a_free_web_address(staff_client, queued, places):
    # Given "buurthuis" and "buurthuis-groningen" are taken
    MemberOrganisationFactory(name="Buurthuis", slug="buurthuis", municipality=places["amsterdam"])
    MemberOrganisationFactory(
        name="Buurthuis Stad", slug="buurthuis-groningen", municipality=places["groningen"]
    )
    job_id, _ = _dry_run(staff_client, queued, [_row(naam="Buurthuis", gemeentecode="GM0014")])

    _apply(staff_client, queued, job_id)

    new = MemberOrganisation.objects.get(municipality=places["groningen"], name="Buurthuis")
    assert new.slug == "buurthuis-2"


def test_a_file_that_changes_nothing_cannot_be_applied(staff_client, queued, places):
    MemberOrganisationFactory(name="Bewonersgroep Test", municipality=places["amsterdam"])
    job_id, report = _dry_run(staff_client, queued, [_row(kvk="")])

    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()

    assert report["totals"] == {"new": 0, "update": 0, "unchanged": 1, "refused": 0}
    assert "The file changes nothing." in html
    assert "toepassen" not in html


# --- Queries --------------------------------------------------------------------------------------


def _member_rows(count: int, first: int = 0) -> list[dict]:
    """New organisations with a primary contact and an active membership, as LSA imports them."""
    return [
        _row(
            naam=f"Bewonersgroep {n:04d}",
            kvk=f"{50_000_000 + n}",
            wijkcode="WK036300",
            contactpersoon=f"Contact {n}",
            lidmaatschap="actief",
            **{"e-mail": f"lid{n}@example.org", "lid sinds": "2024-01-01"},
        )
        for n in range(first, first + count)
    ]


def _queued_job(client, queued, rows: list[dict], *, apply: bool) -> str:
    """A job whose dry run (or, with `apply`, whose apply) is queued and not yet run."""
    job_id = _job_id(_upload(client, *_file(rows)))
    if apply:
        _run_queued(queued)
        assert client.post(f"{IMPORT_URL}{job_id}/toepassen/").status_code == 302
    queued.clear()
    return job_id


@pytest.mark.parametrize("apply", [False, True], ids=["dry run", "apply"])
def test_two_hundred_new_rows_cost_no_more_queries_than_fifty(
    staff_client, queued, places, django_assert_max_num_queries, apply
):
    # Given a file of 50 and a file of 200 new organisations with contact and membership
    fifty = _queued_job(staff_client, queued, _member_rows(50), apply=apply)
    two_hundred = _queued_job(staff_client, queued, _member_rows(200, first=1000), apply=apply)
    with CaptureQueriesContext(connection) as queries:
        imports.import_run(job_id=fifty, apply=apply)
    assert len(queries) < 100

    # When the 200 rows run, then they cost at most a few queries more (not a few per row)
    with django_assert_max_num_queries(len(queries) + 10):
        imports.import_run(job_id=two_hundred, apply=apply)

    expected = imports.Status.APPLIED if apply else imports.Status.CHECKED
    assert _job(two_hundred)["status"] == expected
    assert MemberOrganisation.objects.count() == (250 if apply else 0)


def test_rows_of_known_organisations_are_matched_without_queries_per_row(
    staff_client, queued, places, django_assert_max_num_queries
):
    # Given 50 organisations with their contact and membership, and files naming 10 and 40
    rows = _member_rows(50)
    job_id = _queued_job(staff_client, queued, rows, apply=True)
    imports.import_run(job_id=job_id, apply=True)
    assert MemberOrganisation.objects.count() == 50
    ten = _queued_job(staff_client, queued, rows[:10], apply=False)
    forty = _queued_job(staff_client, queued, rows[10:], apply=False)
    with CaptureQueriesContext(connection) as queries:
        imports.import_run(job_id=ten, apply=False)

    # When the 40 rows are checked, then they cost at most a few queries more
    with django_assert_max_num_queries(len(queries) + 5):
        imports.import_run(job_id=forty, apply=False)

    assert _job(forty)["report"]["totals"] == {"new": 0, "update": 0, "unchanged": 40, "refused": 0}


def test_an_organisation_named_twice_under_its_two_keys_refuses_the_second_row(
    staff_client, queued, places
):
    # Given a file that creates an organisation with a KvK number, then names it without one
    rows = [_row(naam="Buurthuis De Boei", kvk="12345678"), _row(naam="buurthuis de boei")]

    _, report = _dry_run(staff_client, queued, rows)

    assert _lines(report, "new") == [2]
    assert _reasons(report, 3) == [
        ["", "The same organisation as on line 2 (same name and municipality); one row each."]
    ]


def test_a_new_active_member_has_the_history_of_an_application_and_an_activation(
    staff_client, queued, places, lsa_staff
):
    job_id, _ = _dry_run(
        staff_client, queued, [_row(lidmaatschap="actief", **{"lid sinds": "2024-01-01"})]
    )

    _apply(staff_client, queued, job_id)

    membership = Membership.objects.get()
    with translation.override(settings.LANGUAGE_CODE):
        applied, activated = str(services.APPLIED), str(services.ACTIVATED)
    history = membership.history.order_by("history_date", "history_id")
    assert [
        (h.history_type, h.status, h.started_on, h.history_change_reason, h.history_user)
        for h in history
    ] == [
        ("+", "prospect", None, applied, lsa_staff),
        ("~", "active", datetime.date(2024, 1, 1), activated, lsa_staff),
    ]
    assert (membership.status, membership.applied_on) == ("active", datetime.date(2024, 1, 1))


def test_new_namesakes_in_one_file_get_different_web_addresses(staff_client, queued, places):
    rows = [_row(naam="Buurthuis"), _row(naam="Buurthuis", gemeentecode="GM0014")]
    job_id, _ = _dry_run(staff_client, queued, rows)

    _apply(staff_client, queued, job_id)

    slugs = MemberOrganisation.objects.order_by("pk").values_list("slug", flat=True)
    assert list(slugs) == ["buurthuis", "buurthuis-groningen"]


# --- Progress and jobs ----------------------------------------------------------------------------


def test_a_running_job_shows_an_accessible_progress_bar_and_refreshes_itself(
    staff_client, queued, places
):
    job_id = _job_id(_upload(staff_client, *_file([_row(naam=f"Lid {n}") for n in range(3)])))

    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()

    assert '<meta http-equiv="refresh" content="2">' in html
    status = re.search(r'<div role="status"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert re.search(r'<progress id="voortgang" max="3" value="0">', status)
    assert "0 of 3 rows" in status


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_import_transaction_is_still_open(monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_SECONDS", 0.01)
    job = str(MemberImportJob.objects.create(user=UserFactory(), total=3).pk)

    with transaction.atomic(), imports.Progress(job, 3) as progress:
        progress.advance(2)
        # Read committed: this transaction sees what the progress thread committed.
        seen = _wait_for(lambda: imports.job_progress(job_id=job) == (2, 3))
        progress.advance(3)

    assert seen
    assert imports.job_progress(job_id=job) == (3, 3)


def _wait_for(predicate, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_job_is_only_visible_to_whoever_started_it(staff_client, queued, places, client):
    job_id, _ = _dry_run(staff_client, queued, [_row()])
    colleague = make_lsa_staff(email="collega@lsa.example.org")
    client.force_login(colleague)

    response = client.get(f"{IMPORT_URL}{job_id}/")
    assert response.status_code == 404
    assert "There is no import at this address that you started" in response.content.decode()
    assert client.post(f"{IMPORT_URL}{job_id}/toepassen/").status_code == 404


def test_a_job_the_worker_never_finished_stops_refreshing_and_says_so(staff_client, queued, places):
    job_id = _job_id(_upload(staff_client, *_file([_row()])))
    job = _job(job_id)
    MemberImportJob.objects.filter(pk=job_id).update(
        updated_at=job["updated_at"] - datetime.timedelta(hours=2)
    )

    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()

    assert "This import has not moved for an hour" in html
    assert 'http-equiv="refresh"' not in html


def test_an_unreachable_broker_is_reported_on_the_job_page(staff_client, places, monkeypatch):
    from members import tasks

    def broker_down(job_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.member_import_check, "delay", broker_down)

    job_id = _job_id(_upload(staff_client, *_file([_row()])))
    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()

    assert "the background worker cannot be reached" in html
    assert 'http-equiv="refresh"' not in html


# --- Bad files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("leden.pdf", b"%PDF-1.4", "Upload a CSV file or an Excel file (.xlsx)."),
        ("leden.xls", b"\xd0\xcf\x11\xe0", "Upload a CSV file or an Excel file (.xlsx)."),
        ("leden.csv", b"", "The submitted file is empty."),
        ("leden.csv", b"\n\n;;\n", "The file is empty."),
        ("leden.csv", b"naam;type;gemeentecode\n", "The file has a header but no rows"),
        (
            "leden.csv",
            b"name;kind;municipality\nx;y;z\n",
            "Unknown columns: name, kind, municipality.",
        ),
        ("leden.csv", b"naam;type\nx;y\n", "Required columns are missing: gemeentecode."),
        ("leden.csv", b"naam;naam;type;gemeentecode\n", "These columns appear twice: naam."),
        ("leden.csv", "naam;type;gemeentecode\nCafé;x;y\n".encode("cp1252"), "not in UTF-8"),
        ("leden.csv", "naam;type;gemeentecode\n".encode("utf-16"), "This is not a text (CSV) file"),
        ("leden.xlsx", b"PK\x03\x04 broken", "This is not an Excel file (.xlsx), or it is damaged"),
        ("leden.csv", b"naam;type;gemeentecode\nx;y;z;extra\n", "Line 2 has more cells"),
    ],
)
def test_an_unreadable_file_gets_a_clear_message_and_starts_nothing(
    staff_client, queued, places, name, data, message
):
    response = _upload(staff_client, name, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert 'aria-invalid="true"' in html
    assert queued == []


@pytest.mark.parametrize("name", ["leden.csv", "leden.xlsx"])
def test_ten_megabytes_of_garbage_get_a_clear_message(staff_client, queued, places, name):
    garbage = os.urandom(10 * 1024 * 1024)

    response = _upload(staff_client, name, garbage)

    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert queued == []


def test_a_file_with_too_many_rows_is_refused(staff_client, queued, places, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)

    response = _upload(staff_client, *_file([_row(naam=f"Lid {n}") for n in range(4)]))

    assert response.status_code == 400
    assert (
        "The file has more than 3 rows; split it into smaller files." in response.content.decode()
    )


def test_a_file_over_ten_megabytes_is_refused(staff_client, queued, places):
    data = _csv([]) + b"x" * (10 * 1024 * 1024)

    response = _upload(staff_client, "leden.csv", data)

    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()


def test_a_comma_separated_file_with_a_bom_and_capitalised_headers_is_read(
    staff_client, queued, places
):
    data = "\ufeff" + _csv([_row()], delimiter=",").decode().replace("naam", "Naam", 1)

    _, report = _dry_run_bytes(staff_client, queued, "leden.csv", data.encode())

    assert report["totals"]["new"] == 1


def test_a_numeric_kvk_cell_keeps_its_leading_zero(staff_client, queued, places):
    workbook = Workbook()
    workbook.active.append(["naam", "type", "gemeentecode", "kvk"])
    workbook.active.append(["Dorpscoöperatie", "dorpscoöperatie", "GM0014", 1234567])
    out = io.BytesIO()
    workbook.save(out)

    job_id, _ = _dry_run_bytes(staff_client, queued, "leden.xlsx", out.getvalue())
    _apply(staff_client, queued, job_id)

    assert MemberOrganisation.objects.get().kvk_number == "01234567"


# --- Permissions ----------------------------------------------------------------------------------

PAGES = [
    IMPORT_URL,
    f"{IMPORT_URL}voorbeeld.xlsx",
    "/beheer/members/export/leden.xlsx",
    "/beheer/members/export/contactpersonen.csv",
    "/beheer/members/export/contributies.xlsx",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_asked_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/beheer/login/?next=")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["resident", "staff without the LSA group"])
def test_only_lsa_staff_reach_import_and_export(client, db, url, who):
    user = UserFactory(is_staff=who != "resident")
    client.force_login(user)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_lsa_staff_reach_import_and_export(staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_staff_without_the_group_cannot_upload(client, places, queued):
    client.force_login(UserFactory(is_staff=True))

    response = _upload(client, *_file([_row()]))

    assert response.status_code == 403
    assert queued == []


# --- Exports --------------------------------------------------------------------------------------


def _sheet(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_the_members_export_has_a_row_per_organisation_and_neutralises_formulas(
    staff_client, places
):
    # Given a member whose name a spreadsheet would run as a formula
    organisation = MemberOrganisationFactory(
        name="=1+1",
        municipality=places["amsterdam"],
        district=places["centrum"],
        kvk_number="12345678",
    )
    MembershipFactory(organisation=organisation, active=True)
    DuesFactory(organisation=organisation, outstanding=True)

    # When LSA staff download the members as XLSX (the language of the page: English here)
    response = staff_client.get("/beheer/members/export/leden.xlsx")

    # Then
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="leden.xlsx"'
    header, row = _sheet(response)
    assert header == [
        "Name",
        "Type",
        "Municipality code",
        "Municipality",
        "Province",
        "District code",
        "District",
        "Visiting address",
        "Postcode",
        "Place",
        "KvK number",
        "Website",
        "Membership status",
        "Member since",
        "Member until",
        "Dues outstanding (euros)",
        "Story",
    ]
    values = dict(zip(header, row, strict=True))
    assert values["Name"] == "=1+1"  # text in a typed text cell; the apostrophe is CSV's
    assert (values["Municipality code"], values["District code"]) == ("GM0363", "WK036300")
    assert values["Province"] == places["amsterdam"].province.name
    assert values["KvK number"] == "12345678"
    assert values["Membership status"] == "active"
    assert values["Member since"].date() == datetime.date(2023, 2, 1)
    assert values["Dues outstanding (euros)"] == 75


def test_the_members_export_follows_the_active_language(client, lsa_staff, places):
    MemberOrganisationFactory(municipality=places["amsterdam"])
    client.force_login(lsa_staff)
    client.cookies["taal"] = "nl"

    header, _row = _sheet(client.get("/beheer/members/export/leden.xlsx"))

    assert header[0] == "Naam"


def test_the_contacts_export_lists_every_contact_with_its_organisation(staff_client, places):
    organisation = MemberOrganisationFactory(name="Buurthuis", municipality=places["amsterdam"])
    ContactPersonFactory(
        organisation=organisation, name="@Els", email="els@example.org", is_primary=True
    )

    response = staff_client.get("/beheer/members/export/contactpersonen.csv")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == [
        "Member organisation",
        "KvK number",
        "Municipality code",
        "Name",
        "Role",
        "E-mail address",
        "Phone",
        "Primary contact",
    ]
    assert lines[1][0] == "Buurthuis"
    assert lines[1][3:6] == ["'@Els", "secretaris", "els@example.org"]
    assert lines[1][7] == "yes"


def test_the_dues_export_can_take_one_year(staff_client, places):
    organisation = MemberOrganisationFactory(name="Buurthuis", municipality=places["amsterdam"])
    DuesFactory(organisation=organisation, year=2024, paid=True)
    DuesFactory(organisation=organisation, year=2025, outstanding=True)

    response = staff_client.get("/beheer/members/export/contributies.xlsx?jaar=2025")

    header, *rows = _sheet(response)
    assert response["Content-Disposition"] == 'attachment; filename="contributies-2025.xlsx"'
    assert header[3:5] == ["Year", "Amount (euros)"]
    assert [row[3] for row in rows] == [2025]
    assert rows[0][-1] == "yes"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/beheer/members/export/leden.pdf", 400),
        ("/beheer/members/export/wachtwoorden.csv", 404),
        ("/beheer/members/export/contributies.csv?jaar=twintig", 400),
        (f"{IMPORT_URL}voorbeeld.docx", 400),
    ],
)
def test_bad_export_addresses_get_a_clear_answer(staff_client, url, status):
    assert staff_client.get(url).status_code == status


def test_the_import_template_has_the_import_columns(staff_client):
    header, *rows = _sheet(staff_client.get(f"{IMPORT_URL}voorbeeld.xlsx"))

    assert header == list(COLUMNS)
    assert rows == []


def test_the_import_page_lists_the_columns_and_the_exports(staff_client):
    html = staff_client.get(IMPORT_URL).content.decode()

    assert '<input type="file" name="file"' in html
    assert "/beheer/members/export/contactpersonen.xlsx" in html
    assert "<code>lid sinds</code>" in html
    assert html.count("<main") == 1


# --- A real worker --------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_thousand_rows_are_checked_and_applied_by_a_real_worker_with_progress(
    client,
    private_broker,
):
    # Given LSA staff and a file of 2,000 new organisations
    amsterdam = MunicipalityFactory(code="GM0363", name="Amsterdam")
    DistrictFactory(municipality=amsterdam, code="WK036300")
    staff = make_lsa_staff(email="import@lsa.example.org")
    client.force_login(staff)
    client.cookies["taal"] = "en"
    rows = _member_rows(2000)
    seen: list[str] = []

    def follow(job_id: str, until: set[str], seconds: float) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            html = client.get(f"{IMPORT_URL}{job_id}/").content.decode()
            match = re.search(r"(\d+) of 2000 rows", html)
            if match:
                seen.append(match.group(1))
            if _job(job_id)["status"] in until:
                return _job(job_id)
            time.sleep(0.5)
        raise AssertionError(f"job still {_job(job_id)['status']} after {seconds} s")

    with worker_thread():
        # When the file is uploaded, checked and applied
        job_id = _job_id(_upload(client, *_file(rows, "xlsx")))
        job = follow(job_id, {imports.Status.CHECKED, imports.Status.FAILED}, 240)
        assert job["report"]["totals"]["new"] == 2000, job.get("message")
        assert imports.job_progress(job_id=job_id) == (2000, 2000)
        assert not MemberOrganisation.objects.exists()

        client.post(f"{IMPORT_URL}{job_id}/toepassen/")
        job = follow(
            job_id, {imports.Status.APPLIED, imports.Status.REFUSED, imports.Status.FAILED}, 240
        )

    # Then all rows are saved, each with a history row naming the importing user
    assert job["status"] == imports.Status.APPLIED
    assert imports.job_progress(job_id=job_id) == (2000, 2000)
    assert MemberOrganisation.objects.count() == 2000
    assert Membership.objects.filter(status="active").count() == 2000
    assert MemberOrganisation.history.filter(history_user=staff).count() == 2000
    assert ContactPerson.history.filter(history_user=staff).count() == 2000
    # and the page showed the progress on the way
    assert seen and seen[0] != "2000"
