"""The applicant's and the fund manager's pages (issue #20): an owner checks eligibility (one
rule failing, then fixed), applies and submits; the fund's manager decides; the award shows on
the profile. Only owners see an application, only the fund's own managers decide."""

from decimal import Decimal

import pytest

from funding.models import Application
from initiatives.models import Initiative, Need
from tests.factories import InitiativeFactory, UserFactory
from tests.funding_helpers import IBAN, complete_draft, make_round, manager_of

pytestmark = pytest.mark.django_db
Status = Application.Status


def application_form(**changes: str) -> dict[str, str]:
    data = {
        "purpose": "Een kas voor de moestuin",
        "plan": "We bouwen een kas met de buren.",
        "amount": "1200",
        "own_money": "100",
        "own_hours": "40",
        "own_materials": "Hout",
        "supporters": "12",
        "opponents": "0",
        "payee": "entity",
        "payee_name": "Stichting De Tuin",
        "iban": "nl91 abna 0417 1643 00",
        "budget-TOTAL_FORMS": "6",
        "budget-INITIAL_FORMS": "0",
        "budget-MIN_NUM_FORMS": "6",
        "budget-MAX_NUM_FORMS": "6",
        "budget-0-description": "Kas",
        "budget-0-amount": "1000",
        "budget-1-description": "Aarde",
        "budget-1-amount": "200",
    }
    data.update(changes)
    return data


def test_an_owner_checks_applies_and_the_fund_manager_decides(client):
    round_ = make_round(requires_money_need=True)
    manager = manager_of(round_)
    owner = UserFactory()
    initiative = InitiativeFactory(
        published=True, owner=owner, legal_form=Initiative.LegalForm.FOUNDATION
    )
    client.force_login(owner)
    overview = client.get(f"/initiatieven/{initiative.slug}/regelingen/").content.decode()
    assert round_.name in overview and "Nog niet" in overview and "geldvraag" in overview
    Need.objects.create(initiative=initiative, kind=Need.Kind.MONEY, title="Geld voor een kas")
    overview = client.get(f"/initiatieven/{initiative.slug}/regelingen/").content.decode()
    assert "Nog niet" not in overview and "Geld voor een kas" in overview

    started = client.post(f"/initiatieven/{initiative.slug}/regelingen/{round_.pk}/aanvragen/")
    application = Application.objects.get(initiative=initiative)
    assert started["Location"] == f"/initiatieven/{initiative.slug}/aanvragen/{application.pk}/"
    page = f"/initiatieven/{initiative.slug}/aanvragen/{application.pk}/"
    refused = client.post(page, application_form(iban="NL00 0000", submit="1"))
    assert refused.status_code == 200 and "IBAN" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == Status.DRAFT and application.iban == ""  # nothing half-saved

    submitted = client.post(page, application_form(submit="1"), follow=True)
    assert "gereserveerd" in submitted.content.decode()
    application.refresh_from_db()
    assert (application.status, application.iban) == (Status.SUBMITTED, IBAN)
    assert [line.amount for line in application.budget_lines.all()] == [1000, 200]

    client.force_login(manager)
    assert initiative.name in client.get("/mijn/regelingen/").content.decode()
    detail = f"/mijn/regelingen/aanvragen/{application.pk}/"
    assert IBAN in client.get(detail).content.decode()  # the fund manager sees the payee
    wrong = client.post(detail, {"outcome": "partly", "decision": "Deels", "grounds": "Te duur"})
    assert wrong.status_code == 200 and "gedeeltelijke" in wrong.content.decode()
    client.post(detail, {"outcome": "approved", "decision": "Toegekend.", "grounds": "Past."})
    application.refresh_from_db()
    assert (application.status, application.awarded) == (Status.APPROVED, Decimal(1200))

    client.logout()
    profile = client.get(initiative.get_absolute_url()).content.decode()
    assert "Ontvangen geld" in profile and "€ 1.200" in profile and IBAN not in profile


def test_only_owners_see_an_application_and_only_the_funds_managers_decide(client):
    round_ = make_round()
    draft, owner = complete_draft(round_)
    page = f"/initiatieven/{draft.initiative.slug}/aanvragen/{draft.pk}/"
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(page).status_code == 404
    assert client.get(f"/initiatieven/{draft.initiative.slug}/regelingen/").status_code == 404
    assert client.get("/mijn/regelingen/").status_code == 403
    client.force_login(manager_of(make_round()))  # another fund's manager
    assert client.get(f"/mijn/regelingen/aanvragen/{draft.pk}/").status_code == 404
    client.force_login(manager_of(round_))
    # A draft is the applicant's own until it is submitted.
    assert client.get(f"/mijn/regelingen/aanvragen/{draft.pk}/").status_code == 404
    client.force_login(owner)
    assert client.get(page).status_code == 200
    assert client.get(f"/mijn/regelingen/aanvragen/{draft.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    round_ = make_round()
    draft, _owner = complete_draft(round_)
    for url in (
        f"/initiatieven/{draft.initiative.slug}/regelingen/",
        f"/initiatieven/{draft.initiative.slug}/aanvragen/{draft.pk}/",
        "/mijn/regelingen/",
        f"/mijn/regelingen/aanvragen/{draft.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_the_fund_manager_extends_once_with_a_reason_the_applicant_reads(client):
    round_ = make_round(extension_term=2)
    manager = manager_of(round_)
    draft, owner = complete_draft(round_)
    client.force_login(owner)
    page = f"/initiatieven/{draft.initiative.slug}/aanvragen/{draft.pk}/"
    client.post(page, application_form(submit="1"))
    client.force_login(manager)
    extend = f"/mijn/regelingen/aanvragen/{draft.pk}/verlengen/"
    client.post(extend, {"reason": "We wachten op een offerte."})
    client.post(extend, {"reason": "Nog eens."})
    draft.refresh_from_db()
    assert draft.extension_reason == "We wachten op een offerte."
    client.force_login(owner)
    assert "We wachten op een offerte." in client.get(page).content.decode()


def test_the_applicant_withdraws_and_the_money_goes_back(client):
    round_ = make_round()
    draft, owner = complete_draft(round_)
    client.force_login(owner)
    page = f"/initiatieven/{draft.initiative.slug}/aanvragen/{draft.pk}/"
    client.post(page, application_form(submit="1"))
    client.post(f"{page}intrekken/")
    draft.refresh_from_db()
    round_.refresh_from_db()
    assert (draft.status, round_.reserved) == (Status.WITHDRAWN, 0)
