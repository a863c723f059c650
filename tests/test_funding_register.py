"""The public register of awards (issue #20): on the profile, at /regelingen/, as JSON and CSV
with CBS-code filters; nothing personal; an award is money received, never in the handprint."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from funding.models import Application
from funding.selectors import awarded_in_area
from funding.services import application_decide, application_submit
from privacy.services import person_erase, person_export
from tests.funding_helpers import IBAN, complete_draft, make_round, manager_of

pytestmark = pytest.mark.django_db
Status = Application.Status


def award(round_, amount: str = "1000", purpose: str = "Een kas", partly: str | None = None):
    draft, owner = complete_draft(round_, amount)
    draft.purpose = purpose
    draft.payee_name = "Geheime Penningmeester"
    draft.save()
    application_submit(application=draft, user=owner)
    outcome = Status.PARTLY if partly else Status.APPROVED
    return application_decide(
        application=draft,
        user=manager_of(round_),
        outcome=outcome,
        decision="Toegekend",
        grounds="Past bij de regeling",
        amount=Decimal(partly) if partly else None,
    )


@pytest.fixture
def register():
    round_ = make_round(pot="10000")
    first = award(round_, "1000", "Een kas")
    second = award(round_, "2000", "Een keuken", partly="1500")
    waiting, owner = complete_draft(round_, "800")
    application_submit(application=waiting, user=owner)  # submitted, not an award
    return {"round": round_, "awards": [first, second], "submitted": waiting}


def test_the_api_lists_awards_with_nothing_personal(client, register):
    data = client.get("/api/v1/funding/awards/").json()
    rows = data["results"]
    assert [row["amount"] for row in rows] == ["1500.00", "1000.00"]  # newest first
    second = register["awards"][1]
    assert rows[0]["initiative"] == {"slug": second.initiative.slug, "name": second.initiative.name}
    assert rows[0]["purpose"] == "Een keuken"
    assert rows[0]["areas"]["municipality"] == second.initiative.municipality_id
    assert rows[0]["decided_on"] == timezone.localdate().isoformat()
    text = str(data)
    assert IBAN not in text and "Geheime Penningmeester" not in text


def test_the_api_filters_by_cbs_code_and_refuses_a_malformed_one(client, register):
    first = register["awards"][0].initiative
    rows = client.get("/api/v1/funding/awards/", {"municipality": first.municipality_id}).json()[
        "results"
    ]
    assert [row["initiative"]["slug"] for row in rows] == [first.slug]
    province = first.municipality.province_id
    assert client.get("/api/v1/funding/awards/", {"province": province}).json()["count"] >= 1
    refused = client.get("/api/v1/funding/awards/", {"district": "Amsterdam"})
    assert refused.status_code == 400 and "district" in refused.json()["errors"]
    assert client.get("/api/v1/funding/awards/", {"year": 1999}).status_code == 400
    this_year = client.get("/api/v1/funding/awards/", {"year": timezone.localdate().year})
    assert this_year.json()["count"] == 2


def test_the_api_runs_the_same_queries_whatever_the_page_size(
    client, register, django_assert_max_num_queries
):
    for size in (1, 2):
        with django_assert_max_num_queries(3):
            assert len(client.get(f"/api/v1/funding/awards/?page_size={size}").json()["results"])


def test_the_csv_is_the_same_register(client, register):
    response = client.get("/api/v1/funding/awards.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))  # Dutch Excel
    assert [row["purpose"] for row in rows] == ["Een keuken", "Een kas"]
    assert IBAN not in body and "Geheime" not in body


def test_open_rounds_as_json_show_what_is_left(client, register):
    closed = make_round(slug="oud", closes_on=timezone.localdate() - datetime.timedelta(days=1))
    rows = client.get("/api/v1/funding/rounds/").json()["results"]
    assert [row["slug"] for row in rows] == [register["round"].slug]
    assert rows[0]["available"] == "6700.00"  # 10,000 − 1,000 − 1,500 − 800 reserved
    assert closed.slug not in str(rows)


def test_the_rounds_page_lists_rules_and_awards(client, register):
    round_ = register["round"]
    round_.requires_money_need = True
    round_.save()
    html = client.get("/regelingen/").content.decode()
    assert round_.name in html and "Een openstaande geldvraag op het profiel" in html
    assert "Een keuken" in html and "€ 1.500" in html
    assert "Geheime Penningmeester" not in html and IBAN not in html


def test_the_profile_shows_money_received_apart_from_the_handprint(client, register):
    first = register["awards"][0].initiative
    html = client.get(first.get_absolute_url()).content.decode()
    assert "Ontvangen geld" in html and "€ 1.000" in html and "Een kas" in html
    assert "Geheime Penningmeester" not in html
    submitted = register["submitted"].initiative
    assert "Ontvangen geld" not in client.get(submitted.get_absolute_url()).content.decode()


def test_unpublished_initiatives_are_not_in_the_register(client, register):
    first = register["awards"][0].initiative
    first.status = first.Status.ARCHIVED
    first.save()
    rows = client.get("/api/v1/funding/awards/").json()["results"]
    assert first.slug not in str(rows)


def test_awarded_in_an_area_this_year(register):
    first, second = (a.initiative for a in register["awards"])
    year = timezone.localdate().year
    assert awarded_in_area("municipality", first.municipality_id, year) == Decimal(1000)
    assert awarded_in_area("municipality", first.municipality_id, year - 1) == 0
    if first.municipality.province_id == second.municipality.province_id:
        assert awarded_in_area("province", first.municipality.province_id, year) == 2500


def test_the_gemeente_dashboard_shows_what_was_awarded_here_this_year(client, register):
    first = register["awards"][0].initiative
    html = client.get(f"/gemeenten/{first.municipality_id}/").content.decode()
    assert "Toegekend door fondsen hier dit jaar" in html
    expected = awarded_in_area("municipality", first.municipality_id, timezone.localdate().year)
    assert f"€ {int(expected):,}".replace(",", ".") in html


def test_a_persons_applications_are_exported_and_erased_awards_kept_pseudonymised():
    round_ = make_round(persons_allowed=True, person_max=Decimal("2500"))
    awarded = award(round_, "1000", "Een kas")
    owner = awarded.created_by
    Application.objects.filter(pk=awarded.pk).update(
        payee=Application.Payee.PERSON, payee_name=owner.full_name
    )
    refused, _owner = complete_draft(round_, "800")
    Application.objects.filter(pk=refused.pk).update(created_by=owner)
    exported = person_export(user=owner)["funding_applications"]
    assert {row["iban"] for row in exported} == {IBAN}
    erasure = person_erase(user=owner)
    awarded.refresh_from_db()
    refused.refresh_from_db()
    assert (awarded.awarded, awarded.created_by, awarded.payee_name) == (1000, None, "[verwijderd]")
    assert awarded.iban == IBAN  # the funder's bookkeeping keeps it seven years
    assert (refused.payee_name, refused.iban) == ("", "")
    assert not refused.history.filter(iban=IBAN).exists()
    assert erasure.counts["funding_applications_cleared"] == 1
    assert erasure.counts["funding_awards_pseudonymised"] == 1
