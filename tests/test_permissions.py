"""Who may do what, per role × action, through the web pages.

Roles: anonymous, resident (the initiator), other resident (owns another initiative),
co-owner, officer (of the initiative's gemeente), staff (LSA, in the group LSA-medewerkers).
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import OfficerGrant
from exchange.models import Match, Partner
from funding.accountability import ReceiptUpload, accountability_save, accountability_submit
from funding.models import Application, PaymentBatch
from funding.payments import payment_batch_create
from impact.models import Activity, IndicatorQuantity
from initiatives.models import ActivityReport, Initiative, Need, Ownership
from tests.factories import InitiativeFactory, MunicipalityFactory, NeedFactory, UserFactory
from tests.funding_helpers import (
    award,
    committee_member_of,
    fund_account,
    make_committee_round,
    make_round,
    manager_of,
    paid_award,
    submitted_application,
)
from tests.match_helpers import approved_partner, proposed, staff_of
from tests.member_factories import lsa_staff
from tests.partner_helpers import first_staff_of, make_offer, make_partner

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "other_resident", "co_owner", "officer", "staff"]
LOGIN = "login"  # redirected to the login page


@pytest.fixture
def world():
    municipality = MunicipalityFactory()
    people = {
        "resident": UserFactory(),
        "other_resident": UserFactory(),
        "co_owner": UserFactory(),
        "officer": UserFactory(),
        "staff": lsa_staff(),
    }
    InitiativeFactory(municipality=municipality, published=True, owner=people["other_resident"])
    OfficerGrant.objects.create(user=people["officer"], municipality=municipality)

    def make(**traits) -> Initiative:
        initiative = InitiativeFactory(
            municipality=municipality,
            owner=people["resident"],
            consent_share_contact=True,
            contact_phone="+31 6 1234 5678",
            **traits,
        )
        Ownership.objects.create(
            initiative=initiative, user=people["co_owner"], role=Ownership.Role.CO_OWNER
        )
        return initiative

    return people, make


def _as(client, world, role):
    people, _ = world
    if role != "anonymous":
        client.force_login(people[role])
    return client


def _outcome(response) -> int | str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [404, 200, 404, 200, 404, 200], strict=True)),
)
def test_who_sees_a_draft(client, world, role, expected):
    initiative = world[1]()
    assert _as(client, world, role).get(initiative.get_absolute_url()).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_a_published_profile(client, world, role):
    initiative = world[1](published=True)
    assert _as(client, world, role).get(initiative.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 200, 403, 200, 403, 403], strict=True)),
)
def test_who_may_open_the_edit_page_of_a_published_initiative(client, world, role, expected):
    initiative = world[1](published=True)
    response = _as(client, world, role).get(f"/initiatieven/{initiative.slug}/bewerken/")
    assert _outcome(response) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 302, 404, 302, 404, 403], strict=True)),
)
def test_who_may_edit_a_draft(client, world, role, expected):
    initiative = world[1]()
    response = _as(client, world, role).post(
        f"/initiatieven/{initiative.slug}/bewerken/",
        {
            "name": "Nieuwe naam",
            "summary": "Nieuw",
            "kind": "garden",
            "municipality": initiative.municipality_id,
            "legal_form": "none",
        },
    )
    assert _outcome(response) == expected
    initiative.refresh_from_db()
    assert (initiative.name == "Nieuwe naam") == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 302, 404, 302, 404, 403], strict=True)),
)
def test_who_may_submit_a_draft(client, world, role, expected):
    initiative = world[1]()
    initiative.goal_links.create(goal_id=11, position=1)
    response = _as(client, world, role).post(f"/initiatieven/{initiative.slug}/indienen/")
    assert _outcome(response) == expected
    initiative.refresh_from_db()
    assert (initiative.status == Initiative.Status.SUBMITTED) == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 403, 403, 403, 403, 302], strict=True)),
)
def test_only_staff_publish(client, world, role, expected):
    initiative = world[1](submitted=True)
    response = _as(client, world, role).post(f"/moderatie/{initiative.slug}/publiceren/")
    assert _outcome(response) == expected
    initiative.refresh_from_db()
    assert (initiative.status == Initiative.Status.PUBLISHED) == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 403, 403, 403, 403, 302], strict=True)),
)
def test_only_staff_return_or_unpublish(client, world, role, expected):
    initiative = world[1](published=True)
    response = _as(client, world, role).post(
        f"/moderatie/{initiative.slug}/offline/", {"reason": "Onjuiste gegevens"}
    )
    assert _outcome(response) == expected
    initiative.refresh_from_db()
    assert (initiative.status == Initiative.Status.DRAFT) == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 403, 403, 403, 403, 200], strict=True)),
)
def test_moderation_queue_is_for_staff_only(client, world, role, expected):
    assert _outcome(_as(client, world, role).get("/moderatie/")) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 302, 403, 302, 403, 403], strict=True)),
)
def test_who_may_report_activity(client, world, role, expected):
    initiative = world[1](published=True)
    initiative.activities.create(activity=Activity.objects.get(code="repair_cafe"))
    response = _as(client, world, role).post(
        f"/initiatieven/{initiative.slug}/activiteit/",
        {
            "month": "2026-01",
            "volunteer_hours": "10",
            "active_volunteers": "2",
            "people_reached": "30",
            "qty_repairs": "12",
        },
    )
    assert _outcome(response) == expected
    assert ActivityReport.objects.filter(initiative=initiative).exists() == (expected == 302)
    assert IndicatorQuantity.objects.filter(initiative=initiative).exists() == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 302, 403, 302, 403, 403], strict=True)),
)
def test_who_may_declare_activities(client, world, role, expected):
    initiative = world[1](published=True)
    response = _as(client, world, role).post(
        f"/initiatieven/{initiative.slug}/activiteiten/", {"activities": ["repair_cafe"]}
    )
    assert _outcome(response) == expected
    assert initiative.activities.exists() == (expected == 302)


@pytest.mark.parametrize(
    ("role", "previews"),
    list(zip(ROLES, [False, False, False, False, False, True], strict=True)),
)
def test_only_staff_preview_a_method_version_on_a_profile(client, world, role, previews):
    initiative = world[1](published=True)
    response = _as(client, world, role).get(f"{initiative.get_absolute_url()}?methode=2026.1")
    assert response.status_code == 200
    assert ('aria-labelledby="changed-preview"' in response.content.decode()) == previews
    assert ("no-store" in response.get("Cache-Control", "")) == previews


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, ["admin", "admin", "admin", "admin", "admin", 200], strict=True)),
)
def test_only_staff_open_the_plausibility_review_queue(client, world, role, expected):
    response = _as(client, world, role).get("/beheer/impact/indicatorquantity/")
    outcome = response.status_code
    if outcome == 302 and "/beheer/login/" in response["Location"]:
        outcome = "admin"
    assert outcome == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 302, 403, 302, 403, 403], strict=True)),
)
def test_who_may_post_and_close_needs(client, world, role, expected):
    initiative = world[1](published=True)
    need = Need.objects.create(initiative=initiative, kind="money", title="Geld voor zaad")
    response = _as(client, world, role).post(
        f"/initiatieven/{initiative.slug}/vragen/{need.pk}/sluiten/", {"status": "fulfilled"}
    )
    assert _outcome(response) == expected
    need.refresh_from_db()
    assert (need.status == Need.Status.FULFILLED) == (expected == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 302, 403, 302, 403, 302], strict=True)),
)
def test_who_may_archive(client, world, role, expected):
    initiative = world[1](published=True)
    response = _as(client, world, role).post(f"/initiatieven/{initiative.slug}/archiveren/")
    assert _outcome(response) == expected
    initiative.refresh_from_db()
    assert (initiative.status == Initiative.Status.ARCHIVED) == (expected == 302)


@pytest.mark.parametrize(
    ("role", "sees_contact"),
    list(zip(ROLES, [False, True, False, True, True, True], strict=True)),
)
def test_who_sees_contact_details_when_the_initiative_consented(client, world, role, sees_contact):
    initiative = world[1](published=True)
    html = _as(client, world, role).get(initiative.get_absolute_url()).content.decode()
    assert ("+31 6 1234 5678" in html) == sees_contact


def test_officers_do_not_see_contact_details_without_consent(client, world):
    people, make = world
    initiative = make(published=True)
    Initiative.objects.filter(pk=initiative.pk).update(consent_share_contact=False)
    client.force_login(people["officer"])
    assert "+31 6 1234 5678" not in client.get(initiative.get_absolute_url()).content.decode()


def test_officers_of_another_gemeente_do_not_see_contact_details(client, world):
    people, make = world
    initiative = make(published=True)
    OfficerGrant.objects.filter(user=people["officer"]).update(municipality=MunicipalityFactory())
    client.force_login(people["officer"])
    assert "+31 6 1234 5678" not in client.get(initiative.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    list(zip(ROLES, [LOGIN, 302, 403, 302, 403, 403], strict=True)),
)
def test_who_may_invite_a_co_owner(client, world, role, expected):
    initiative = world[1](published=True)
    response = _as(client, world, role).post(
        f"/initiatieven/{initiative.slug}/eigenaren/", {"email": "nieuw@example.org"}
    )
    assert _outcome(response) == expected
    assert initiative.invitations.exists() == (expected == 302)


# --- Funding rounds (issue #20): applicants, the fund's manager, another fund's manager -------


@pytest.fixture
def funding(world):
    """A submitted application of the resident's published initiative in a round whose fund
    `fund_manager` manages; `other_fund_manager` manages another fund."""
    people, make = world
    initiative = make(published=True, legal_form=Initiative.LegalForm.FOUNDATION)
    round_ = make_round()
    people["fund_manager"] = manager_of(round_)
    people["other_fund_manager"] = manager_of(make_round())
    application = submitted_application(round_, initiative, people["resident"])
    return {"initiative": initiative, "round": round_, "application": application}


def _funding_outcome(client, world, role, method, url, data=None):
    client = _as(client, world, role)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    return _outcome(response)


@pytest.mark.parametrize(
    ("role", "overview", "start", "own_page"),
    [
        ("anonymous", LOGIN, LOGIN, LOGIN),
        ("resident", 200, 302, 200),
        ("other_resident", 404, 404, 404),
        ("co_owner", 200, 302, 200),
        ("officer", 404, 404, 404),
        ("staff", 404, 404, 404),
        ("fund_manager", 404, 404, 404),
        ("other_fund_manager", 404, 404, 404),
    ],
)
def test_who_may_apply_and_open_an_initiatives_application(
    client, world, funding, role, overview, start, own_page
):
    slug, application = funding["initiative"].slug, funding["application"]
    assert _funding_outcome(client, world, role, "get", f"/initiatieven/{slug}/regelingen/") == (
        overview
    )
    other_round = make_round(slug="tweede")
    new = f"/initiatieven/{slug}/regelingen/{other_round.pk}/aanvragen/"
    assert _funding_outcome(client, world, role, "post", new) == start
    page = f"/initiatieven/{slug}/aanvragen/{application.pk}/"
    assert _funding_outcome(client, world, role, "get", page) == own_page


@pytest.mark.parametrize(
    ("role", "overview", "page", "decide"),
    [
        ("anonymous", LOGIN, LOGIN, LOGIN),
        ("resident", 403, 404, 404),
        ("other_resident", 403, 404, 404),
        ("co_owner", 403, 404, 404),
        ("officer", 403, 404, 404),
        ("staff", 403, 404, 404),
        ("fund_manager", 200, 200, 302),
        ("other_fund_manager", 200, 404, 404),
    ],
)
def test_who_may_decide_an_application(client, world, funding, role, overview, page, decide):
    application = funding["application"]
    url = f"/mijn/regelingen/aanvragen/{application.pk}/"
    assert _funding_outcome(client, world, role, "get", "/mijn/regelingen/") == overview
    assert _funding_outcome(client, world, role, "get", url) == page
    decision = {"outcome": "approved", "decision": "Toegekend.", "grounds": "Past."}
    assert _funding_outcome(client, world, role, "post", url, decision) == decide
    application.refresh_from_db()
    assert (application.status == Application.Status.APPROVED) is (role == "fund_manager")


# --- Funding rounds II: accountability, receipts, settlement and reclaim ---------------------


@pytest.fixture
def accountable_award(world, settings, tmp_path):
    """The resident's paid award with a draft accountability and a receipt; the fund's manager
    and another fund's manager."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    people, make = world
    initiative = make(published=True)
    round_ = make_round()
    people["fund_manager"] = manager_of(round_)
    people["other_fund_manager"] = manager_of(make_round())
    application, _ = paid_award(round_, initiative=initiative, owner=people["resident"])
    accountability = accountability_save(
        user=people["resident"],
        application=application,
        fields={"spent": Decimal(900), "done": "Gebouwd."},
        receipts=[ReceiptUpload(SimpleUploadedFile("bon.pdf", b"%PDF-1.4"), "Hout", Decimal(9))],
    )
    return application, accountability.receipts.get()


ACCOUNTABILITY_POST = {
    "done": "Gebouwd.",
    "spent": "900",
    "volunteer_hours": "0",
    "people_reached": "0",
    "receipt-TOTAL_FORMS": "3",
    "receipt-INITIAL_FORMS": "0",
    "submit": "1",
}


@pytest.mark.parametrize(
    ("role", "page", "submit", "receipt"),
    [
        ("anonymous", LOGIN, LOGIN, LOGIN),
        ("resident", 200, 302, 200),
        ("other_resident", 404, 404, 404),
        ("co_owner", 200, 302, 200),
        ("officer", 404, 404, 404),
        ("staff", 404, 404, 404),
        ("fund_manager", 404, 404, 200),
        ("other_fund_manager", 404, 404, 404),
    ],
)
def test_who_may_submit_an_accountability_and_download_its_receipt(
    client, world, accountable_award, role, page, submit, receipt
):
    application, bon = accountable_award
    url = f"/initiatieven/{application.initiative.slug}/aanvragen/{application.pk}/verantwoording/"
    assert _funding_outcome(client, world, role, "get", f"{url}bonnen/{bon.pk}/") == receipt
    assert _funding_outcome(client, world, role, "get", url) == page
    assert _funding_outcome(client, world, role, "post", url, ACCOUNTABILITY_POST) == submit
    application.refresh_from_db()
    accounted = application.grant == Application.Grant.ACCOUNTED
    assert accounted is (role in ("resident", "co_owner"))


@pytest.mark.parametrize(
    ("role", "page", "settle"),
    [
        ("anonymous", LOGIN, LOGIN),
        ("resident", 404, 404),
        ("other_resident", 404, 404),
        ("co_owner", 404, 404),
        ("officer", 404, 404),
        ("staff", 404, 404),
        ("fund_manager", 200, 302),
        ("other_fund_manager", 404, 404),
    ],
)
def test_who_may_settle_an_award(client, world, accountable_award, role, page, settle):
    application, _ = accountable_award
    accountability_submit(
        user=world[0]["resident"], application=application, fields={"done": "Gebouwd."}
    )
    url = f"/mijn/regelingen/aanvragen/{application.pk}/verantwoording/"
    assert _funding_outcome(client, world, role, "get", url) == page
    data = {"settle-amount": "900", "settle-text": "Vastgesteld."}
    assert _funding_outcome(client, world, role, "post", url, data) == settle
    application.refresh_from_db()
    assert (application.grant == Application.Grant.SETTLED) is (role == "fund_manager")


@pytest.mark.parametrize(
    ("role", "reclaim"),
    [
        ("anonymous", LOGIN),
        ("resident", 404),
        ("co_owner", 404),
        ("officer", 404),
        ("staff", 404),
        ("fund_manager", 302),
        ("other_fund_manager", 404),
    ],
)
def test_who_may_reclaim_an_award(client, world, accountable_award, role, reclaim):
    application, _ = accountable_award
    accountability_submit(
        user=world[0]["resident"], application=application, fields={"done": "Gebouwd."}
    )
    url = f"/mijn/regelingen/aanvragen/{application.pk}/verantwoording/terugvorderen/"
    data = {"reclaim-amount": "100", "reclaim-reason": "Minder uitgegeven."}
    assert _funding_outcome(client, world, role, "post", url, data) == reclaim
    application.refresh_from_db()
    assert (application.grant == Application.Grant.RECLAIMED) is (role == "fund_manager")


# --- Committee-ranked rounds (issue #21): the committee member and the fund's manager ---------


@pytest.fixture
def committee_round(world):
    """The resident's application in a committee round; `committee_member` is in its committee,
    `fund_manager` manages its fund, `other_fund_manager` another fund."""
    people, make = world
    initiative = make(published=True, legal_form=Initiative.LegalForm.FOUNDATION)
    round_ = make_committee_round()
    people["fund_manager"] = manager_of(round_)
    people["other_fund_manager"] = manager_of(make_round())
    people["committee_member"] = committee_member_of(round_)
    application = submitted_application(round_, initiative, people["resident"])
    return {"round": round_, "application": application}


@pytest.mark.parametrize(
    ("role", "overview", "review_page", "review", "side_by_side", "round_form"),
    [
        ("anonymous", LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
        ("resident", 403, 404, 404, 404, 404),
        ("other_resident", 403, 404, 404, 404, 404),
        ("co_owner", 403, 404, 404, 404, 404),
        ("officer", 403, 404, 404, 404, 404),
        ("staff", 403, 404, 404, 404, 404),
        ("fund_manager", 403, 404, 404, 200, 200),
        ("other_fund_manager", 403, 404, 404, 404, 404),
        ("committee_member", 200, 200, 302, 404, 404),
    ],
)
def test_who_may_review_and_who_sees_the_reviews(
    client, world, committee_round, role, overview, review_page, review, side_by_side, round_form
):
    round_, application = committee_round["round"], committee_round["application"]
    page = f"/mijn/commissie/aanvragen/{application.pk}/"
    scores = {f"score_{c.pk}": "3" for c in round_.criteria.all()}
    outcome = _funding_outcome
    assert outcome(client, world, role, "get", "/mijn/commissie/") == overview
    assert outcome(client, world, role, "get", page) == review_page
    assert outcome(client, world, role, "post", page, {**scores, "recommendation": "yes"}) == review
    reviews = f"/mijn/regelingen/rondes/{round_.pk}/beoordelingen/"
    assert outcome(client, world, role, "get", reviews) == side_by_side
    edit = f"/mijn/regelingen/rondes/{round_.pk}/bewerken/"
    assert outcome(client, world, role, "get", edit) == round_form
    assert application.reviews.exists() is (role == "committee_member")
    assert not world[0]["committee_member"].is_staff


# --- Payments (issue #21): batches, the bank files, "paid on" --------------------------------


@pytest.fixture
def payments(world, funding):
    """An award of the round to pay and a batch of another one; the fund has an account."""
    people, _make = world
    manager, round_ = people["fund_manager"], funding["round"]
    fund_account(round_)
    batch = payment_batch_create(
        user=manager,
        round_=round_,
        applications=[award(round_, manager=manager)],
        execution_date=timezone.localdate(),
    )
    return {"round": round_, "batch": batch, "to_pay": award(round_, manager=manager)}


@pytest.mark.parametrize(
    ("role", "create", "download", "mark_paid"),
    [
        ("anonymous", LOGIN, LOGIN, LOGIN),
        ("resident", 404, 404, 404),
        ("other_resident", 404, 404, 404),
        ("co_owner", 404, 404, 404),
        ("officer", 404, 404, 404),
        ("staff", 404, 404, 404),
        ("fund_manager", 302, 200, 302),
        ("other_fund_manager", 404, 404, 404),
    ],
)
def test_who_may_pay_awards(client, world, payments, role, create, download, mark_paid):
    round_, batch, to_pay = payments["round"], payments["batch"], payments["to_pay"]
    today = timezone.localdate().isoformat()
    new = {"applications": [to_pay.pk], "execution_date": today}
    assert (
        _funding_outcome(
            client, world, role, "post", f"/mijn/regelingen/rondes/{round_.pk}/betalingen/", new
        )
        == create
    )
    for fmt in ("xml", "csv"):
        url = f"/mijn/regelingen/betalingen/{batch.pk}/betaalopdracht.{fmt}"
        assert _funding_outcome(client, world, role, "get", url) == download
    url = f"/mijn/regelingen/betalingen/{batch.pk}/"
    assert _funding_outcome(client, world, role, "post", url, {"paid_on": today}) == mark_paid
    batch.refresh_from_db()
    assert PaymentBatch.objects.count() == (2 if role == "fund_manager" else 1)
    assert (batch.paid_on is not None) is (role == "fund_manager")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", LOGIN),
        ("resident", 404),
        ("staff", 404),
        ("fund_manager", 200),
        ("other_fund_manager", 404),
    ],
)
def test_who_may_read_the_reports(client, world, funding, role, expected):
    round_ = funding["round"]
    for url in (
        f"/mijn/regelingen/rondes/{round_.pk}/rapport/",
        f"/mijn/regelingen/rondes/{round_.pk}/rapport.xlsx",
        f"/mijn/regelingen/fondsen/{round_.fund.slug}/rapport/",
    ):
        assert _funding_outcome(client, world, role, "get", url) == expected, url


# --- Matches (issue #22): the initiative's owners and the partner's staff ------------------------


@pytest.fixture
def match_world(world):
    """A match the resident asked a partner for; `partner_staff` works for that partner,
    `other_partner_staff` for another one; a second open need the partner's offer answers."""
    people, make = world
    initiative = make(published=True)
    partner = approved_partner()
    people["partner_staff"] = staff_of(partner)
    people["other_partner_staff"] = staff_of(approved_partner("Ander"))
    offer = make_offer(partner)
    match = proposed(people["resident"], offer, NeedFactory(initiative=initiative))
    return {"match": match, "offer": offer, "need": NeedFactory(initiative=initiative)}


@pytest.mark.parametrize(
    ("role", "page", "message", "ask"),
    [
        ("anonymous", LOGIN, LOGIN, LOGIN),
        ("resident", 200, 302, 302),
        ("other_resident", 404, 404, 200),
        ("co_owner", 200, 302, 302),
        ("officer", 404, 404, 200),
        ("staff", 404, 404, 200),
        ("partner_staff", 200, 302, 200),
        ("other_partner_staff", 404, 404, 200),
    ],
)
def test_who_sees_a_match_writes_on_it_and_asks_a_partner(
    client, world, match_world, role, page, message, ask
):
    match, offer, need = (match_world[key] for key in ("match", "offer", "need"))
    url = f"/mijn/matches/{match.pk}/"
    assert _funding_outcome(client, world, role, "get", url) == page
    posted = {"bericht-message": "Hallo"}
    assert _funding_outcome(client, world, role, "post", f"{url}bericht/", posted) == message
    asked = {"need": need.pk, "message": "Helpen jullie?"}
    ask_url = f"/mijn/matches/vragen/{offer.pk}/"
    assert _funding_outcome(client, world, role, "post", ask_url, asked) == ask  # else: refused
    assert match.messages.count() == (2 if message == 302 else 1)
    assert Match.objects.filter(need=need).exists() is (ask == 302)


# --- The exchange (issue #22): partner staff and partner moderation ---------------------------


@pytest.fixture
def waiting_partner(world):
    """A partner waiting for approval, kept by `partner_staff`; `other_partner_staff` keeps an
    approved one."""
    people, _make = world
    partner = make_partner("Buurtsuper", status="pending", municipalities=(MunicipalityFactory(),))
    people["partner_staff"] = first_staff_of(partner)
    people["other_partner_staff"] = first_staff_of(make_partner("Ander Bedrijf"))
    return partner


@pytest.mark.parametrize(
    ("role", "profile", "manage", "register", "moderation", "approve"),
    [
        ("anonymous", 404, LOGIN, LOGIN, LOGIN, LOGIN),
        ("resident", 404, 404, 200, 403, 403),
        ("officer", 404, 404, 200, 403, 403),
        ("staff", 200, 403, 200, 200, 302),  # LSA staff moderate; they do not keep it
        ("partner_staff", 200, 200, 200, 403, 403),
        ("other_partner_staff", 404, 404, 200, 403, 403),
    ],
)
def test_who_sees_keeps_and_approves_a_waiting_partner(
    client, world, waiting_partner, role, profile, manage, register, moderation, approve
):
    partner = waiting_partner
    client = _as(client, world, role)
    assert client.get(partner.get_absolute_url()).status_code == profile
    assert _outcome(client.get(f"/beurs/partners/{partner.slug}/beheer/")) == manage
    assert _outcome(client.get("/beurs/aanmelden/")) == register
    assert _outcome(client.get("/beurs/moderatie/")) == moderation
    assert _outcome(client.post(f"/beurs/moderatie/{partner.slug}/goedkeuren/")) == approve
    partner.refresh_from_db()
    assert (partner.status == Partner.Status.APPROVED) is (role == "staff")
    assert not world[0].get("partner_staff").is_staff
