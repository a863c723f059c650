"""IDOR: nobody but an initiative's owners can read its private pages or change it, through the
web or the API, by guessing another owner's addresses and ids.

The object routes are read from the URLconf: every route with a parameter must be listed below
as an owner-only route (tried with every method by another resident, an officer of the same
gemeente and staff without the LSA group), a public route, or an admin route; a new route that
is none of these fails test_every_parameterised_route_is_classified. After each attempt the
database must be exactly as before.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.api_auth import api_token_create
from accounts.models import ApiToken, OfficerGrant
from exchange.models import Match, MatchMessage, Offer, Partner, PartnerStaff
from funding.accountability import ReceiptUpload, accountability_save
from funding.committee import review_conflict_declare
from funding.models import (
    Accountability,
    Application,
    BudgetLine,
    CommitteeMember,
    Criterion,
    Payment,
    PaymentBatch,
    Receipt,
    Review,
    Round,
)
from funding.payments import payment_batch_create
from impact.models import IndicatorQuantity, InitiativeActivity
from initiatives.models import (
    ActivityReport,
    HelpOffer,
    Initiative,
    InitiativePhoto,
    Need,
    OwnerInvitation,
    Ownership,
)
from initiatives.services import owner_invite
from members.models import ContactPerson, MemberOrganisation, Membership
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
from tests.match_helpers import agreed, approved_partner, helper_match, staff_of
from tests.member_factories import ContactPersonFactory, MemberOrganisationFactory
from tests.partner_helpers import make_offer, make_partner
from tests.urlconf import url_patterns

pytestmark = pytest.mark.django_db

MONTH = "2025-01"
WATCHED = [
    Initiative,
    Need,
    HelpOffer,
    InitiativePhoto,
    Ownership,
    OwnerInvitation,
    ActivityReport,
    IndicatorQuantity,
    InitiativeActivity,
    ApiToken,
    MemberOrganisation,
    ContactPerson,
    Membership,
]

# Owner-only web routes: (methods, how to build the path for one victim initiative).
OWNER_WEB_ROUTES = {
    "initiative_edit": ("get", "post"),
    "initiative_submit": ("post",),
    "initiative_archive": ("post",),
    "need_create": ("get", "post"),
    "need_close": ("post",),
    "initiative_activity": ("get", "post"),
    "owner_invite": ("post",),
    "photo_upload": ("get", "post"),
    "photo_delete": ("post",),
    "initiative_activities": ("get", "post"),
    "report_reminders_set": ("post",),
}
# Routes of one user's own things, addressed by an id that belongs to the victim.
VICTIM_WEB_ROUTES = {
    "api_token_revoke": ("post",),
    "owner_invitation_accept": ("post",),
}
STAFF_WEB_ROUTES = {"moderate": ("post",)}
OWNER_API_ROUTES = {
    "api_initiative": ("put", "patch", "delete"),
    "api_initiative_needs": ("post",),
    "api_initiative_need": ("put", "patch", "delete"),
    "api_initiative_activity": ("post",),
    "api_initiative_activity_month": ("put", "patch", "delete"),
    "api_initiative_activities": ("put", "post", "patch", "delete"),
    # Read-only for owners and staff (test_api_activity_quantities.py); no write exists.
    "api_initiative_activity_questions": ("post", "put", "delete"),
}
# The applicants' pages (owners only) and the fund managers' (the fund's own only): everyone
# else gets 404, whatever the method (test_no_one_else_reaches_a_funding_application).
FUNDING_OWNER_ROUTES = {
    "funding_apply": ("get",),
    "funding_application_new": ("post",),
    "funding_application": ("get", "post"),
    "funding_application_withdraw": ("post",),
}
FUNDING_MANAGER_ROUTES = {
    "funding_manage_application": ("get", "post"),
    "funding_manage_extend": ("post",),
    # Payments and reports (issue #21): payees, IBANs and the bank files.
    "funding_payments": ("get", "post"),
    "funding_batch": ("get", "post"),
    "funding_batch_file": ("get",),
    "funding_round_report": ("get",),
    "funding_round_report_file": ("get",),
    "funding_fund_report": ("get",),
    "funding_fund_report_file": ("get",),
}
# An award's accountability and its receipts (the applicants; a receipt also the fund's
# managers), and its settlement (the fund's managers): test_no_one_else_reaches_an_accountability.
ACCOUNTABILITY_OWNER_ROUTES = {
    "funding_accountability": ("get", "post"),
    "funding_receipt": ("get",),
}
ACCOUNTABILITY_MANAGER_ROUTES = {
    "funding_manage_accountability": ("get", "post"),
    "funding_manage_reclaim": ("post",),
}
# A committee round's pages for its fund's managers, and its committee members' pages (not
# for an application they declared a conflict on): everyone else gets 404
# (test_no_one_else_reaches_a_committee_round).
FUNDING_ROUND_MANAGER_ROUTES = {
    "funding_round_edit": ("get", "post"),
    "funding_round_criteria": ("get", "post"),
    "funding_round_committee": ("get", "post"),
    "funding_round_committee_revoke": ("post",),
    "funding_round_reviews": ("get", "post"),
}
FUNDING_COMMITTEE_ROUTES = {
    "funding_committee_round": ("get",),
    "funding_review": ("get", "post"),
    "funding_review_conflict": ("post",),
}
# A match's pages and actions: its two sides only, 404 for everyone else whatever the method
# (test_no_one_but_its_sides_reaches_a_match); making a match of a visitor's offer of help: the
# initiative's owners only.
MATCH_SIDE_ROUTES = {
    "exchange_match": ("get",),
    "exchange_match_action": ("post",),
    "exchange_match_from_help_offer": ("get", "post"),
}
# A partner's own pages (its staff only): a public partner's answer 403 to others, a partner
# waiting for approval 404 (test_no_one_but_a_partners_staff_keeps_it); moderation is for LSA
# staff (test_only_lsa_staff_moderate_partners).
PARTNER_STAFF_ROUTES = {
    "exchange_partner_manage": ("get",),
    "exchange_partner_edit": ("get", "post"),
    "exchange_partner_resubmit": ("post",),
    "exchange_partner_staff_add": ("post",),
    "exchange_partner_staff_remove": ("post",),
    "exchange_offer_create": ("get", "post"),
    "exchange_offer_edit": ("get", "post"),
    "exchange_offer_close": ("post",),
}
PARTNER_MODERATOR_ROUTES = {"exchange_moderate": ("post",)}
# Parameterised routes anyone may read (drafts 404 there: tested below for the profile).
PUBLIC_ROUTES = {
    # A proposal from a public offer or on a public need, for the user's own initiative or
    # partner only (the services refuse anyone else's: test_no_one_but_its_sides_reaches_a_match).
    "exchange_match_ask",
    "exchange_match_offer",
    "exchange_helper_entry",  # the visitor's secret token is the key (test_exchange_matches.py)
    "exchange_helper_action",  # the action's name; the token in the visitor's session is the key
    "initiative_detail",
    "handprint_statement",
    "initiative_export",
    "help_offer",
    "method_version",
    "method_download",
    "province_detail",
    "province_export",
    "municipality_detail",
    "municipality_export",
    "district_detail",
    "district_export",
    "neighbourhood_detail",
    "member_detail",
    "account_confirm_email",  # allauth: the key is the secret
    "report_reminders_optout",  # the signed token is the secret (test_report_reminders.py)
    "account_reset_password_from_key",  # allauth: the key is the secret
    "api_municipality",
    "api_district",
    "api_neighbourhood",
    "api_member",
    "api_opendata_json",
    "api_opendata_csv",
    "api_area",
    "api_exchange_figures_area",  # aggregated counts only
    "api_method",
    "api_initiative_handprint",
    "exchange_partner",  # approved partners; others 404 (tests/test_exchange_partners.py)
    "api_exchange_partner",
    "language_switch",  # the language code; sets the visitor's own cookie only
    None,  # the media files (random names) and the admin's catch-all redirect
}
# LSA staff only: the admin and the member import (tested for staff without the group).
ADMIN_PREFIX = "beheer/"


def parameterised_routes() -> list[tuple[str, str | None]]:
    return [(route, pattern.name) for route, pattern, _ in url_patterns() if "<" in route]


def test_every_parameterised_route_is_classified():
    known = (
        OWNER_WEB_ROUTES.keys()
        | VICTIM_WEB_ROUTES.keys()
        | STAFF_WEB_ROUTES.keys()
        | OWNER_API_ROUTES.keys()
        | FUNDING_OWNER_ROUTES.keys()
        | FUNDING_MANAGER_ROUTES.keys()
        | ACCOUNTABILITY_OWNER_ROUTES.keys()
        | ACCOUNTABILITY_MANAGER_ROUTES.keys()
        | FUNDING_ROUND_MANAGER_ROUTES.keys()
        | FUNDING_COMMITTEE_ROUTES.keys()
        | MATCH_SIDE_ROUTES.keys()
        | PARTNER_STAFF_ROUTES.keys()
        | PARTNER_MODERATOR_ROUTES.keys()
        | PUBLIC_ROUTES
    )
    unclassified = [
        route
        for route, name in parameterised_routes()
        if name not in known and not route.startswith(ADMIN_PREFIX)
    ]

    assert unclassified == [], "classify these routes in tests/test_idor.py"


# --- The victim's world ----------------------------------------------------------------------


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def victim(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    municipality = MunicipalityFactory()
    owner = UserFactory()
    published = InitiativeFactory(published=True, owner=owner, municipality=municipality)
    draft = InitiativeFactory(owner=owner, municipality=municipality)
    objects = {"owner": owner, "municipality": municipality, "initiatives": {}}
    for label, initiative in [("published", published), ("draft", draft)]:
        need = NeedFactory(initiative=initiative)
        ActivityReport.objects.create(
            initiative=initiative,
            month=datetime.date(2025, 1, 1),
            volunteer_hours=10,
            active_volunteers=2,
            people_reached=5,
        )
        photo = InitiativePhoto.objects.create(
            initiative=initiative,
            large="a-large.jpg",
            thumb="a-thumb.jpg",
            width=10,
            height=10,
            alt_text="Tuin",
        )
        objects["initiatives"][label] = {"initiative": initiative, "need": need, "photo": photo}
    token, key = api_token_create(user=owner, name="Script")
    invitee = UserFactory()
    other_owner = UserFactory()
    theirs = InitiativeFactory(published=True, owner=other_owner)
    objects["invitation"] = owner_invite(
        initiative=theirs, inviter=other_owner, email=invitee.email
    )
    objects["token"] = token
    organisation = MemberOrganisationFactory(member=True)
    ContactPersonFactory(organisation=organisation)
    objects["organisation"] = organisation
    return objects


@pytest.fixture
def attackers(victim) -> dict[str, object]:
    """Another resident, an officer of the victim's gemeente, and staff without the LSA group."""
    officer = UserFactory()
    OfficerGrant.objects.create(user=officer, municipality=victim["municipality"])
    return {
        "other resident": UserFactory(),
        "officer": officer,
        # Staff status opens /beheer/, not moderation: that needs the group's permission.
        "staff without the LSA group": UserFactory(is_staff=True),
    }


ATTACKER_ROLES = ["other resident", "officer", "staff without the LSA group"]
ATTACKER_TOKEN = "Eigen"


def snapshot() -> dict[str, list[dict]]:
    """Every watched row (an attacker's own API token aside)."""
    return {
        model.__name__: list(
            model.objects.exclude(**({"name": ATTACKER_TOKEN} if model is ApiToken else {}))
            .order_by("pk")
            .values()
        )
        for model in WATCHED
    }


def web_paths(route: str, objects: dict) -> str:
    initiative, need, photo = objects["initiative"], objects["need"], objects["photo"]
    slug = initiative.slug
    return {
        "initiative_edit": f"/initiatieven/{slug}/bewerken/",
        "initiative_submit": f"/initiatieven/{slug}/indienen/",
        "initiative_archive": f"/initiatieven/{slug}/archiveren/",
        "need_create": f"/initiatieven/{slug}/vragen/nieuw/",
        "need_close": f"/initiatieven/{slug}/vragen/{need.pk}/sluiten/",
        "initiative_activity": f"/initiatieven/{slug}/activiteit/",
        "owner_invite": f"/initiatieven/{slug}/eigenaren/",
        "photo_upload": f"/initiatieven/{slug}/fotos/",
        "photo_delete": f"/initiatieven/{slug}/fotos/{photo.pk}/verwijderen/",
        "initiative_activities": f"/initiatieven/{slug}/activiteiten/",
        "report_reminders_set": f"/initiatieven/{slug}/herinneringen/",
        "moderate": f"/moderatie/{slug}/publiceren/",
        "api_initiative": f"/api/v1/initiatives/{slug}/",
        "api_initiative_needs": f"/api/v1/initiatives/{slug}/needs/",
        "api_initiative_need": f"/api/v1/initiatives/{slug}/needs/{need.pk}/",
        "api_initiative_activity": f"/api/v1/initiatives/{slug}/activity/",
        "api_initiative_activity_month": f"/api/v1/initiatives/{slug}/activity/{MONTH}/",
        "api_initiative_activities": f"/api/v1/initiatives/{slug}/activities/",
        "api_initiative_activity_questions": f"/api/v1/initiatives/{slug}/activity/questions/",
    }[route]


# Form data that the owner's own request would succeed with.
WEB_DATA = {
    "need_create": {"kind": "volunteers", "title": "Overgenomen"},
    "need_close": {"status": "fulfilled"},
    "initiative_activity": {
        "month": MONTH,
        "volunteer_hours": "99",
        "active_volunteers": "9",
        "people_reached": "9",
    },
    "owner_invite": {"email": "aanvaller@example.org"},
    "initiative_edit": {"name": "Overgenomen", "summary": "Overgenomen"},
    "initiative_activities": {"activities": ["repair_cafe"]},
    "moderate": {"reason": "weg"},
}
API_DATA = {
    "api_initiative": {"name": "Overgenomen", "summary": "Overgenomen"},
    "api_initiative_needs": {"kind": "volunteers", "title": "Overgenomen"},
    "api_initiative_need": {"status": "withdrawn", "title": "Overgenomen"},
    "api_initiative_activity": {
        "month": MONTH,
        "volunteer_hours": "99",
        "active_volunteers": 9,
        "people_reached": 9,
        "quantities": {"repairs": "5"},
    },
    "api_initiative_activity_month": {
        "volunteer_hours": "99",
        "active_volunteers": 9,
        "people_reached": 9,
        "quantities": {"repairs": "5"},
    },
    "api_initiative_activities": {"activities": ["repair_cafe"]},
    "api_initiative_activity_questions": {},
}


def _post_data(route: str) -> dict:
    if route == "photo_upload":
        return {"image": SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg"), "alt_text": "x"}
    return WEB_DATA.get(route, {})


@pytest.mark.parametrize("attacker_role", ATTACKER_ROLES)
@pytest.mark.parametrize("label", ["published", "draft"])
def test_no_one_but_the_owners_reaches_an_initiatives_owner_pages(
    victim, attackers, attacker_role, label
):
    # Given someone who is not an owner, signed in
    client = Client()
    client.force_login(attackers[attacker_role])
    objects = victim["initiatives"][label]
    before = snapshot()
    tried = []

    # When they try every owner-only route with every method on the victim's initiative
    for route, methods in OWNER_WEB_ROUTES.items():
        for method in methods:
            path = web_paths(route, objects)
            if method == "post":
                response = client.post(path, _post_data(route))
            else:
                response = client.get(path)
            tried.append((route, method, response.status_code))

    # Then every attempt is refused (403 on a public profile, 404 on a draft) and nothing changed
    expected = 403 if label == "published" else 404
    assert [t for t in tried if t[2] != expected] == []
    assert snapshot() == before
    assert len(tried) == sum(len(methods) for methods in OWNER_WEB_ROUTES.values())


@pytest.mark.parametrize("attacker_role", ATTACKER_ROLES)
@pytest.mark.parametrize("label", ["published", "draft"])
@pytest.mark.parametrize("auth", ["session", "token"])
def test_no_one_but_the_owners_writes_through_the_api(
    victim, attackers, attacker_role, label, auth
):
    # Given someone who is not an owner, with a session or their own API token
    client = Client()
    headers = {}
    if auth == "session":
        client.force_login(attackers[attacker_role])
    else:
        _token, key = api_token_create(user=attackers[attacker_role], name=ATTACKER_TOKEN)
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"
    objects = victim["initiatives"][label]
    before = snapshot()
    tried = []

    # When they write to every owner-only API route of the victim's initiative
    for route, methods in OWNER_API_ROUTES.items():
        for method in methods:
            response = getattr(client, method)(
                web_paths(route, objects),
                API_DATA[route],
                content_type="application/json",
                **headers,
            )
            tried.append((route, method, response.status_code))

    # Then every write is refused (403/404; 405 where the method does not exist at all)
    assert [t for t in tried if t[2] not in (403, 404, 405)] == []
    assert all(t[2] == 404 for t in tried if label == "draft" and t[2] != 405)
    assert snapshot() == before


@pytest.mark.parametrize("attacker_role", ATTACKER_ROLES)
def test_no_one_revokes_another_users_token_or_takes_their_invitation(
    victim, attackers, attacker_role
):
    client = Client()
    client.force_login(attackers[attacker_role])
    before = snapshot()

    revoke = client.post(f"/mijn/api-sleutels/{victim['token'].pk}/intrekken/")
    accept = client.post(f"/mijn/uitnodiging/{victim['invitation'].token}/")

    assert revoke.status_code == 404
    assert accept.status_code in (200, 403, 404)  # the page again, with why not
    assert snapshot() == before
    assert len(VICTIM_WEB_ROUTES) == 2


@pytest.mark.parametrize("attacker_role", ATTACKER_ROLES)
def test_only_staff_moderate(victim, attackers, attacker_role):
    client = Client()
    client.force_login(attackers[attacker_role])
    before = snapshot()

    responses = [
        client.post(f"/moderatie/{victim['initiatives'][label]['initiative'].slug}/{action}/")
        for label in ("published", "draft")
        for action in ("publiceren", "terugsturen", "offline")
    ]

    assert {r.status_code for r in responses} == {403}
    assert client.get("/moderatie/").status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("attacker_role", ATTACKER_ROLES)
def test_drafts_are_invisible_to_non_owners(victim, attackers, attacker_role):
    client = Client()
    client.force_login(attackers[attacker_role])
    draft = victim["initiatives"]["draft"]["initiative"]

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/initiatives/{draft.slug}/").status_code == 404
    assert client.get(f"/api/v1/initiatives/{draft.slug}/needs/").status_code == 404
    assert client.get(f"/api/v1/initiatives/{draft.slug}/activity/").status_code == 404
    assert client.get(f"/api/v1/initiatives/{draft.slug}/activity/questions/").status_code == 404
    assert client.get(f"/api/v1/initiatives/{draft.slug}/activities/").status_code == 404


def test_mijn_pages_show_only_the_users_own_things(victim, attackers):
    client = Client()
    client.force_login(attackers["other resident"])
    draft = victim["initiatives"]["draft"]["initiative"]

    mine = client.get("/mijn/").content.decode()
    tokens = client.get("/mijn/api-sleutels/").content.decode()

    assert draft.name not in mine
    assert victim["initiatives"]["published"]["initiative"].name not in mine
    assert victim["token"].prefix not in tokens


# --- The admin: staff without the LSA group ---------------------------------------------------


def admin_member_paths(victim) -> list[str]:
    organisation = victim["organisation"]
    contact = organisation.contacts.first() if hasattr(organisation, "contacts") else None
    contact = contact or ContactPerson.objects.filter(organisation=organisation).first()
    return [
        "/beheer/members/memberorganisation/",
        f"/beheer/members/memberorganisation/{organisation.pk}/change/",
        f"/beheer/members/memberorganisation/{organisation.pk}/delete/",
        f"/beheer/members/memberorganisation/{organisation.pk}/history/",
        "/beheer/members/contactperson/",
        f"/beheer/members/contactperson/{contact.pk}/change/",
        f"/beheer/members/contactperson/{contact.pk}/export/",
        f"/beheer/members/contactperson/{contact.pk}/erase/",
        "/beheer/members/membership/",
        "/beheer/members/dues/",
        "/beheer/members/import/",
        "/beheer/members/import/voorbeeld.csv",
        "/beheer/members/export/leden.csv",
        "/beheer/members/export/contactpersonen.csv",
    ]


def test_staff_without_the_lsa_group_cannot_reach_the_members_admin(victim):
    # Given a staff member without the group "LSA-medewerkers"
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    before = snapshot()

    # When they open or post to every page of the members admin
    results = []
    for path in admin_member_paths(victim):
        results.append((path, "get", client.get(path).status_code))
        results.append((path, "post", client.post(path, {"post": "yes"}).status_code))

    # Then they are refused everywhere (405: a GET-only export refuses the method first)
    assert [r for r in results if r[2] not in (403, 404)] == [
        r for r in results if r[1] == "post" and r[2] == 405
    ]
    assert all(r[2] == 403 for r in results if r[1] == "get")
    assert snapshot() == before
    # And the members section does not appear in their admin index
    assert "/beheer/members/" not in client.get("/beheer/").content.decode()


@pytest.mark.parametrize("attacker_role", ["other resident", "officer"])
def test_non_staff_cannot_reach_the_admin(victim, attackers, attacker_role):
    client = Client()
    client.force_login(attackers[attacker_role])

    for path in admin_member_paths(victim)[:4] + ["/beheer/", "/beheer/accounts/user/"]:
        response = client.get(path)
        assert response.status_code in (302, 403, 404), path
        if response.status_code == 302:
            assert "/login/" in response["Location"], path


@pytest.fixture
def funding_victim(victim):
    """The victim's published initiative with a submitted application, and the fund's manager;
    an award to pay and a payment batch of another award of the round."""
    initiative = victim["initiatives"]["published"]["initiative"]
    initiative.legal_form = Initiative.LegalForm.FOUNDATION
    initiative.save(update_fields=["legal_form"])
    round_ = fund_account(make_round(extension_term=2))
    manager = manager_of(round_)
    application = submitted_application(round_, initiative, victim["owner"])
    batch = payment_batch_create(
        user=manager,
        round_=round_,
        applications=[award(round_, manager=manager)],
        execution_date=timezone.localdate(),
    )
    return {
        "application": application,
        "round": round_,
        "manager": manager,
        "batch": batch,
        "to_pay": award(round_, manager=manager),
    }


FUNDING_DATA = {
    "funding_application": {"purpose": "Overgenomen", "payee_name": "Aanvaller"},
    "funding_manage_application": {"outcome": "approved", "decision": "Ja", "grounds": "Ja"},
    "funding_manage_extend": {"reason": "Overgenomen"},
    "funding_batch": {"paid_on": timezone.localdate().isoformat()},
}


@pytest.mark.parametrize("attacker_role", [*ATTACKER_ROLES, "another fund's manager"])
def test_no_one_else_reaches_a_funding_application(
    victim, attackers, funding_victim, attacker_role
):
    attacker = (
        manager_of(make_round())
        if attacker_role == "another fund's manager"
        else attackers[attacker_role]
    )
    client = Client()
    client.force_login(attacker)
    application, round_, batch = (funding_victim[k] for k in ("application", "round", "batch"))
    slug = application.initiative.slug
    own = f"/initiatieven/{slug}/aanvragen/{application.pk}/"
    paths = {
        "funding_apply": f"/initiatieven/{slug}/regelingen/",
        "funding_application_new": (
            f"/initiatieven/{slug}/regelingen/{funding_victim['round'].pk}/aanvragen/"
        ),
        "funding_application": own,
        "funding_application_withdraw": f"{own}intrekken/",
        "funding_manage_application": f"/mijn/regelingen/aanvragen/{application.pk}/",
        "funding_manage_extend": f"/mijn/regelingen/aanvragen/{application.pk}/verlengen/",
        "funding_payments": f"/mijn/regelingen/rondes/{round_.pk}/betalingen/",
        "funding_batch": f"/mijn/regelingen/betalingen/{batch.pk}/",
        "funding_batch_file": f"/mijn/regelingen/betalingen/{batch.pk}/betaalopdracht.xml",
        "funding_round_report": f"/mijn/regelingen/rondes/{round_.pk}/rapport/",
        "funding_round_report_file": f"/mijn/regelingen/rondes/{round_.pk}/rapport.csv",
        "funding_fund_report": f"/mijn/regelingen/fondsen/{round_.fund.slug}/rapport/",
        "funding_fund_report_file": f"/mijn/regelingen/fondsen/{round_.fund.slug}/rapport.xlsx",
    }
    data = {
        **FUNDING_DATA,
        "funding_payments": {
            "applications": [funding_victim["to_pay"].pk],
            "execution_date": timezone.localdate().isoformat(),
        },
    }
    watched = [Application, BudgetLine, Round, Payment, PaymentBatch]
    before = {m.__name__: list(m.objects.order_by("pk").values()) for m in watched}
    tried = []
    for route, methods in {**FUNDING_OWNER_ROUTES, **FUNDING_MANAGER_ROUTES}.items():
        for method in methods:
            if method == "post":
                response = client.post(paths[route], data.get(route, {}))
            else:
                response = client.get(paths[route])
            tried.append((route, method, response.status_code))
    assert [t for t in tried if t[2] != 404] == []
    assert {m.__name__: list(m.objects.order_by("pk").values()) for m in watched} == before
    client.force_login(funding_victim["manager"])  # the fund's own manager does get in
    assert client.get(paths["funding_manage_application"]).status_code == 200
    for route in ("funding_payments", "funding_batch_file", "funding_fund_report_file"):
        assert client.get(paths[route]).status_code == 200, route


@pytest.fixture
def accountability_victim(victim, settings, tmp_path):
    """The victim's paid award with a draft accountability and one receipt; the fund's manager."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    initiative = victim["initiatives"]["published"]["initiative"]
    round_ = make_round()
    application, owner = paid_award(round_, initiative=initiative, owner=victim["owner"])
    receipt_file = SimpleUploadedFile("bon.pdf", b"%PDF-1.4 geheim", "application/pdf")
    accountability = accountability_save(
        user=owner,
        application=application,
        fields={"spent": Decimal(10), "done": "Geheim"},
        receipts=[ReceiptUpload(receipt_file, "Hout", Decimal(10))],
    )
    return {
        "application": application,
        "receipt": accountability.receipts.get(),
        "manager": manager_of(round_),
    }


ACCOUNTABILITY_DATA = {
    "funding_accountability": {"spent": "1", "done": "Overgenomen", "submit": "1"},
    "funding_manage_accountability": {"settle-amount": "0", "settle-text": "Overgenomen"},
    "funding_manage_reclaim": {"reclaim-amount": "1000", "reclaim-reason": "Overgenomen"},
}


@pytest.mark.parametrize("attacker_role", [*ATTACKER_ROLES, "another fund's manager"])
def test_no_one_else_reaches_an_accountability_or_its_receipts(
    victim, attackers, accountability_victim, attacker_role
):
    attacker = (
        manager_of(make_round(slug="ander"))
        if attacker_role == "another fund's manager"
        else attackers[attacker_role]
    )
    client = Client()
    client.force_login(attacker)
    application, receipt = accountability_victim["application"], accountability_victim["receipt"]
    own = f"/initiatieven/{application.initiative.slug}/aanvragen/{application.pk}/verantwoording/"
    managed = f"/mijn/regelingen/aanvragen/{application.pk}/verantwoording/"
    paths = {
        "funding_accountability": own,
        "funding_receipt": f"{own}bonnen/{receipt.pk}/",
        "funding_manage_accountability": managed,
        "funding_manage_reclaim": f"{managed}terugvorderen/",
    }
    watched = [Application, Accountability, Receipt]
    before = {m.__name__: list(m.objects.order_by("pk").values()) for m in watched}
    tried = []
    routes = {**ACCOUNTABILITY_OWNER_ROUTES, **ACCOUNTABILITY_MANAGER_ROUTES}
    for route, methods in routes.items():
        for method in methods:
            if method == "post":
                response = client.post(paths[route], ACCOUNTABILITY_DATA.get(route, {}))
            else:
                response = client.get(paths[route])
            tried.append((route, method, response.status_code))
    assert [t for t in tried if t[2] != 404] == []
    assert {m.__name__: list(m.objects.order_by("pk").values()) for m in watched} == before
    client.force_login(accountability_victim["manager"])  # the fund's own manager does get in
    assert client.get(paths["funding_manage_accountability"]).status_code == 200
    assert client.get(paths["funding_receipt"]).status_code == 200


COMMITTEE_ATTACKERS = [
    *ATTACKER_ROLES,
    "another fund's manager",
    "another round's committee member",
    "a committee member with a conflict",
]


@pytest.mark.parametrize("attacker_role", COMMITTEE_ATTACKERS)
def test_no_one_else_reaches_a_committee_round(victim, attackers, funding_victim, attacker_role):
    # Given the victim's application in a committee round with a member and a reviewed criterion
    round_ = make_committee_round()
    application = submitted_application(
        round_, victim["initiatives"]["published"]["initiative"], victim["owner"]
    )
    member = committee_member_of(round_)
    grant = CommitteeMember.objects.get(user=member)
    if attacker_role == "another fund's manager":
        attacker = manager_of(make_round())
    elif attacker_role == "another round's committee member":
        attacker = committee_member_of(make_committee_round())
    elif attacker_role == "a committee member with a conflict":
        attacker = committee_member_of(round_)
        review_conflict_declare(user=attacker, application=application, reason="Buren")
    else:
        attacker = attackers[attacker_role]
    client = Client()
    client.force_login(attacker)
    manager_paths = {
        "funding_round_edit": f"/mijn/regelingen/rondes/{round_.pk}/bewerken/",
        "funding_round_criteria": f"/mijn/regelingen/rondes/{round_.pk}/criteria/",
        "funding_round_committee": f"/mijn/regelingen/rondes/{round_.pk}/commissie/",
        "funding_round_committee_revoke": (
            f"/mijn/regelingen/rondes/{round_.pk}/commissie/{grant.pk}/intrekken/"
        ),
        "funding_round_reviews": f"/mijn/regelingen/rondes/{round_.pk}/beoordelingen/",
    }
    review_page = f"/mijn/commissie/aanvragen/{application.pk}/"
    committee_paths = {
        "funding_review": review_page,
        "funding_review_conflict": f"{review_page}belangenverstrengeling/",
    }
    if attacker_role != "a committee member with a conflict":  # they do see the round
        committee_paths["funding_committee_round"] = f"/mijn/commissie/rondes/{round_.pk}/"
    data = {
        "funding_round_edit": {"name": "Overgenomen", "pot": "1"},
        "funding_round_committee": {"email": attacker.email},
        "funding_review": {"recommendation": "yes"},
        "funding_review_conflict": {"reason": "Overgenomen"},
    }
    watched = [Application, Round, Criterion, CommitteeMember, Review]
    before = {m.__name__: list(m.objects.order_by("pk").values()) for m in watched}
    tried = []
    routes = {**FUNDING_ROUND_MANAGER_ROUTES, **FUNDING_COMMITTEE_ROUTES}
    for route, path in {**manager_paths, **committee_paths}.items():
        for method in routes[route]:
            if method == "post":
                response = client.post(path, data.get(route, {}))
            else:
                response = client.get(path)
            tried.append((route, method, response.status_code))
    assert [t for t in tried if t[2] != 404] == []
    assert {m.__name__: list(m.objects.order_by("pk").values()) for m in watched} == before
    # The round's own member reviews; its fund's own manager edits (and neither the other's)
    client.force_login(member)
    assert client.get(review_page).status_code == 200
    assert client.get(manager_paths["funding_round_edit"]).status_code == 404
    client.force_login(manager_of(round_))
    assert client.get(manager_paths["funding_round_edit"]).status_code == 200
    assert client.get(review_page).status_code == 404


# --- Matches: only their two sides ---------------------------------------------------------------

MATCH_ACTIONS = {
    "akkoord": {"akkoord-agreed_for": "2030-01-01"},
    "afwijzen": {"afwijzen-message": "Overgenomen"},
    "levering": {"levering-delivered_on": "2025-01-01", "levering-money": "999"},
    "bevestigen": {},
    "niet-doorgegaan": {"niet-doorgegaan-message": "Overgenomen"},
    "afronden": {"afronden-fulfils_need": "on"},
    "bericht": {"bericht-message": "Overgenomen"},
    "contact": {"contact-share": "on"},
}


def test_no_one_but_its_sides_reaches_a_match(victim, attackers):
    # Given the victim's agreed match with a partner, and their match with a visitor
    owner = victim["owner"]
    need = victim["initiatives"]["published"]["need"]
    partner = approved_partner("Woonstad")
    staff = staff_of(partner)
    match = agreed(owner, staff, make_offer(partner), need)
    help_offer = HelpOffer.objects.create(
        need=need, name="Sam", email="sam@example.org", message="Ik help", consent=True
    )
    with_helper = helper_match(owner, help_offer)
    other_partner = approved_partner("Ander")
    roles = {**attackers, "another partner's staff": staff_of(other_partner)}
    watched = [Match, MatchMessage, Need, HelpOffer]
    before = {m.__name__: list(m.objects.order_by("pk").values()) for m in watched}
    tried = []
    for role, attacker in roles.items():
        client = Client()
        client.force_login(attacker)
        for target in (match, with_helper):
            tried.append((role, "page", client.get(f"/mijn/matches/{target.pk}/").status_code))
        # Every action, by another partner's staff (the page's own check refuses the others:
        # their pages are tried above).
        if role == "another partner's staff":
            for action, data in MATCH_ACTIONS.items():
                response = client.post(f"/mijn/matches/{match.pk}/{action}/", data)
                tried.append((role, action, response.status_code))
        response = client.post(
            f"/mijn/matches/hulpaanbod/{help_offer.pk}/", {"message": "Overgenomen"}
        )
        tried.append((role, "from help offer", response.status_code))
        # Proposals for the victim's need on the victim's behalf are refused too
        other_offer = make_offer(other_partner)
        response = client.post(
            f"/mijn/matches/vragen/{other_offer.pk}/", {"need": need.pk, "message": "Overgenomen"}
        )
        tried.append((role, "ask", response.status_code))
        response = client.post(
            f"/mijn/matches/aanbieden/{need.pk}/",
            {"partner": partner.pk, "message": "Overgenomen"},
        )
        tried.append((role, "offer", response.status_code))
        # The visitor's pages answer no signed-in stranger without the link
        tried.append((role, "helper", client.post("/beurs/hulp/bericht/").status_code))
    refused = [t for t in tried if t[1] not in ("ask", "offer")]
    assert [t for t in refused if t[2] != 404] == []
    # The proposal pages answer with their form again (the need is not theirs to choose)
    assert {t[2] for t in tried if t[1] in ("ask", "offer")} == {200}
    assert {m.__name__: list(m.objects.order_by("pk").values()) for m in watched} == before
    # Both sides do get in
    for side in (owner, staff):
        client = Client()
        client.force_login(side)
        assert client.get(f"/mijn/matches/{match.pk}/").status_code == 200


# --- The exchange: a partner's own pages and partner moderation (issue #22) ------------------


# A resident or officer is refused the same way as these two (the same predicate); each keeps a
# partner of their own.
PARTNER_ATTACKERS = ["other partner's staff", "staff without the LSA group"]


@pytest.fixture
def partner_world() -> dict:
    """An approved and a waiting partner, each with an offer and two staff members, and who
    attacks them (PARTNER_ATTACKERS)."""
    municipality = MunicipalityFactory()
    world = {}
    for status in ("approved", "pending"):
        partner = make_partner(f"Partner {status}", status=status, municipalities=(municipality,))
        PartnerStaff.objects.create(partner=partner, user=UserFactory())
        world[status] = {"partner": partner, "offer": make_offer(partner)}
    staff = UserFactory(is_staff=True)
    PartnerStaff.objects.create(partner=make_partner("Eigen Bedrijf"), user=staff)
    world["attackers"] = {
        "other partner's staff": make_partner("Ander Bedrijf").staff.get(),
        "staff without the LSA group": staff,
    }
    return world


def partner_paths(partner: Partner, offer: Offer) -> dict[str, str]:
    base = f"/beurs/partners/{partner.slug}/"
    grant = partner.staff_grants.order_by("pk").first()
    return {
        "exchange_partner_manage": f"{base}beheer/",
        "exchange_partner_edit": f"{base}bewerken/",
        "exchange_partner_resubmit": f"{base}opnieuw-indienen/",
        "exchange_partner_staff_add": f"{base}medewerkers/",
        "exchange_partner_staff_remove": f"{base}medewerkers/{grant.pk}/verwijderen/",
        "exchange_offer_create": f"{base}aanbod/nieuw/",
        "exchange_offer_edit": f"{base}aanbod/{offer.pk}/bewerken/",
        "exchange_offer_close": f"{base}aanbod/{offer.pk}/sluiten/",
    }


PARTNER_DATA = {
    "exchange_partner_edit": {"name": "Overgenomen", "summary": "Overgenomen", "kind": "other",
                              "categories": ["money"], "is_national": "on"},
    "exchange_partner_staff_add": {"email": "aanvaller@example.org"},
    "exchange_offer_create": {"category": "money", "title": "Overgenomen"},
    "exchange_offer_edit": {"category": "money", "title": "Overgenomen"},
}  # fmt: skip


def exchange_snapshot() -> dict[str, list[dict]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Partner, PartnerStaff, Offer)
    }


def test_no_one_but_a_partners_staff_keeps_it(partner_world):
    before = exchange_snapshot()
    tried = []
    # Given each attacker signed in, and a public and a waiting partner
    for role in PARTNER_ATTACKERS:
        client = Client()
        client.force_login(partner_world["attackers"][role])
        for status in ("approved", "pending"):
            victim = partner_world[status]
            paths = partner_paths(victim["partner"], victim["offer"])
            # When they try every route of the partner's own pages with every method
            for route, methods in PARTNER_STAFF_ROUTES.items():
                for method in methods:
                    if method == "post":
                        response = client.post(paths[route], PARTNER_DATA.get(route, {}))
                    else:
                        response = client.get(paths[route])
                    tried.append((role, status, route, method, response.status_code))

    # Then each is refused (403 for a public partner, 404 for one waiting) and nothing changed
    expected = {"approved": 403, "pending": 404}
    assert [t for t in tried if t[4] != expected[t[1]]] == []
    assert exchange_snapshot() == before
    routes = sum(len(methods) for methods in PARTNER_STAFF_ROUTES.values())
    assert len(tried) == routes * 2 * len(PARTNER_ATTACKERS)


def test_only_lsa_staff_moderate_partners(partner_world):
    before = exchange_snapshot()
    for role in PARTNER_ATTACKERS:
        client = Client()
        client.force_login(partner_world["attackers"][role])

        responses = [
            client.post(f"/beurs/moderatie/{partner_world[status]['partner'].slug}/{action}/",
                        {"reason": "weg"})
            for status in ("approved", "pending")
            for action in ("goedkeuren", "weigeren", "schorsen")
        ]  # fmt: skip

        assert {r.status_code for r in responses} == {403}, role
        assert client.get("/beurs/moderatie/").status_code == 403
    assert exchange_snapshot() == before
    assert len(PARTNER_MODERATOR_ROUTES) == 1
