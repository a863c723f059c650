"""The hostile-form walk: every form of the site, posted by a user allowed to use it, with NUL
bytes, 1 MB of text, mixed scripts and emoji, negative and huge numbers, wrong types and missing
fields in every field (issue 14). No answer is a 500 or 503, and nothing is half-saved: a refused
post (4xx) saves no row, and every row a post saves or changes passes its model's validation.

The routes come from the URLconf (as in test_csrf.py): each web route is walked (WALKS), or
listed with a reason (NOT_WALKED, and the rules in `_not_walked_reason`). A new route that is
neither fails `test_every_web_route_is_walked_or_has_a_reason`, so the walk grows with the site.

The fields of a form are read from the form as a page renders it (the route's own page, or the
page that holds its form); one field at a time gets a hostile value, the others keep the values
of a valid post (free-text fields get the megabyte, typed fields — numbers, dates, choices — the
wrong type; both get the mixed scripts and a missing value). The project's own admin add
forms get every hostile value in all fields at once.
"""

import copy
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from accounts.api_auth import api_token_create
from accounts.models import OfficerGrant
from funding.models import FundManager
from funding.payments import payment_batch_create
from funding.services import application_start, application_submit
from initiatives.models import Initiative, InitiativePhoto, Need
from initiatives.services import owner_invite, photo_add, report_reminder_token
from tests.factories import (
    DistrictFactory,
    InitiativeFactory,
    MunicipalityFactory,
    NeedFactory,
    UserFactory,
)
from tests.funding_helpers import (
    accounted_award,
    award,
    committee_member_of,
    complete_draft,
    fund_account,
    make_committee_round,
    make_round,
    manager_of,
    paid_award,
)
from tests.match_helpers import agreed, approved_partner, staff_of
from tests.partner_helpers import make_offer, make_partner
from tests.shared_data import reference_data_load, shared_rows
from tests.urlconf import url_patterns

# The walk posts thousands of values: part of `make test`, left out of `make test-quick`.
# One worker walks them all, on one world (`_shared_world`).
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("hostile_forms")]

MISSING = object()
HOSTILE = {
    "nul": "ab\x00cd",
    "megabyte": " ".join(f"w{n:06d}" for n in range(131_072)),  # 1 MB of distinct words
    "scripts": "Zoë 🌷👩‍👩‍👧 Ελληνικά 中文 مرحبا \u202eevil\u202c 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \ud7ff",
    "negative": "-1",
    "huge": "9" * 40,
    "float": "1e309",
    "nan": "NaN",
    "wrong_type": "[object Object]",
    "two_values": ["1", "abc"],
    "missing": MISSING,
}
# Posted into one field at a time (the others valid), so each field's own handling is reached;
# the rest go into all fields at once (a NUL anywhere is refused before any view; numbers and
# wrong types fail each field's own cleaning alone).
ONE_FIELD_AT_A_TIME = ("megabyte", "scripts", "wrong_type", "missing")
# Inputs that take free text; every other input (numbers, dates, choices, checkboxes, hidden
# counters) and every <select> is typed: it gets the wrong type, not the megabyte.
FREE_TEXT_INPUTS = ("text", "email", "url", "search", "tel", "password")
# The apps whose tables a walk watches for half-saved rows.
OWN_APPS = ("accounts", "initiatives", "impact", "members", "outbox", "funding", "exchange")
OWN_ADMIN_APPS = ("accounts", "initiatives", "impact", "members", "outbox", "places", "sdgs")


# --- The routes ----------------------------------------------------------------------------


@dataclass
class World:
    """The objects the walk's users act on."""

    owner: object
    staff: object
    initiative: Initiative
    draft: Initiative
    need: Need
    photo: InitiativePhoto
    invitation_token: str
    token_id: int
    manager: object  # of the fund of `round`
    round: object
    draft_application: object  # the owner's, of `initiative`
    submitted_application: object  # waiting for the manager's decision
    # A committee round of another fund `manager` manages, `member` in its committee.
    committee_round: object = None
    member: object = None
    committee_application: object = None  # submitted in the committee round
    to_pay: object = None  # an award of `round` in no payment batch
    batch: object = None  # a payment batch of another award of `round`, not yet paid
    # The exchange: a partner's open hands offer, and an agreed match of another need of
    # `initiative` with the partner.
    offer: object = None
    match: object = None
    partner: object = None  # an approved partner of the exchange that `owner` keeps
    pending_partner: object = None  # a partner waiting for approval (staff moderate it)


@dataclass
class Walk:
    """How to walk one route: who posts, where its form is rendered, what a valid post holds."""

    # "owner", "staff", "manager" (of the fund), "visitor" (signed in, not an owner),
    # "member" (of the committee round's committee), "anonymous"
    user: str
    path: Callable[[World], str]
    form_page: Callable[[World], str] | None = None  # default: the route's own path
    valid: Callable[[World], dict] = lambda world: {}
    checks: tuple = field(default=())  # models whose changed rows must be whole
    # Fields the walk posts hostile values into one by one (default: all): rows of a formset
    # after its first are the same form, so walking them again finds nothing new.
    walked: Callable[[str], bool] = lambda name: True


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


def _slug(world: World) -> str:
    return world.initiative.slug


WALKS: dict[str, Walk] = {
    "mijn/api-sleutels/": Walk("owner", lambda w: "/mijn/api-sleutels/",
                               valid=lambda w: {"name": "Script"}),
    "mijn/api-sleutels/<int:token_id>/intrekken/": Walk(
        "owner", lambda w: f"/mijn/api-sleutels/{w.token_id}/intrekken/",
        form_page=lambda w: "/mijn/api-sleutels/"),
    "mijn/account-verwijderen/": Walk("visitor", lambda w: "/mijn/account-verwijderen/"),
    "initiatieven/nieuw/": Walk(
        "owner", lambda w: "/initiatieven/nieuw/",
        valid=lambda w: {"name": "Moestuin", "summary": "Samen tuinieren.", "kind": "garden",
                         "municipality": w.initiative.municipality_id, "legal_form": "none"}),
    "initiatieven/<slug:slug>/bewerken/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/bewerken/"),
    "initiatieven/<slug:slug>/indienen/": Walk(
        "owner", lambda w: f"/initiatieven/{w.draft.slug}/indienen/",
        form_page=lambda w: f"/initiatieven/{w.draft.slug}/"),
    "initiatieven/<slug:slug>/archiveren/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/archiveren/",
        form_page=lambda w: f"/initiatieven/{_slug(w)}/"),
    "initiatieven/<slug:slug>/vragen/nieuw/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/vragen/nieuw/",
        valid=lambda w: {"kind": "volunteers", "title": "Handen"}),
    "initiatieven/<slug:slug>/vragen/<int:pk>/sluiten/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/vragen/{w.need.pk}/sluiten/",
        form_page=lambda w: f"/initiatieven/{_slug(w)}/"),
    "initiatieven/<slug:slug>/vragen/<int:pk>/helpen/": Walk(
        "anonymous", lambda w: f"/initiatieven/{_slug(w)}/vragen/{w.need.pk}/helpen/",
        valid=lambda w: {"name": "Sam", "email": "sam@example.org", "message": "Ik help.",
                         "consent": "on"}),
    "initiatieven/<slug:slug>/activiteit/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/activiteit/",
        valid=lambda w: {"month": "2025-03", "volunteer_hours": "12", "active_volunteers": "3",
                         "people_reached": "40"}),
    "initiatieven/<slug:slug>/eigenaren/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/eigenaren/",
        form_page=lambda w: f"/initiatieven/{_slug(w)}/",
        valid=lambda w: {"email": "mede@example.org"}),
    "initiatieven/<slug:slug>/fotos/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/fotos/",
        valid=lambda w: {"image": _jpeg, "alt_text": "Een tuin."}),
    "initiatieven/<slug:slug>/fotos/<int:pk>/verwijderen/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/fotos/{w.photo.pk}/verwijderen/",
        form_page=lambda w: f"/initiatieven/{_slug(w)}/fotos/"),
    "mijn/uitnodiging/<str:token>/": Walk(
        "visitor", lambda w: f"/mijn/uitnodiging/{w.invitation_token}/"),
    "initiatieven/<slug:slug>/herinneringen/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/herinneringen/",
        form_page=lambda w: f"/initiatieven/{_slug(w)}/bewerken/",
        valid=lambda w: {"report_reminders": "on"}),
    "herinneringen/uit/<str:token>/": Walk(
        "anonymous",
        lambda w: f"/herinneringen/uit/{report_reminder_token(initiative=w.initiative)}/"),
    "moderatie/<slug:slug>/<str:action>/": Walk(
        "staff", lambda w: f"/moderatie/{_slug(w)}/offline/",
        form_page=lambda w: f"/initiatieven/{_slug(w)}/",
        valid=lambda w: {"reason": "Verouderd."}),
    "initiatieven/<slug:slug>/activiteiten/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/activiteiten/",
        valid=lambda w: {"activities": ["repair_cafe", "zwerfafval"]}),
    "accounts/login/": Walk("anonymous", lambda w: "/accounts/login/"),
    "accounts/signup/": Walk("anonymous", lambda w: "/accounts/signup/"),
    "accounts/email/": Walk("owner", lambda w: "/accounts/email/"),
    "accounts/password/change/": Walk("owner", lambda w: "/accounts/password/change/"),
    "accounts/password/reset/": Walk("anonymous", lambda w: "/accounts/password/reset/"),
    "beheer/members/import/": Walk("staff", lambda w: "/beheer/members/import/"),
    "initiatieven/<slug:slug>/regelingen/<int:round_pk>/aanvragen/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/regelingen/{w.round.pk}/aanvragen/",
        form_page=lambda w: f"/initiatieven/{_slug(w)}/regelingen/"),
    "initiatieven/<slug:slug>/aanvragen/<int:pk>/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/aanvragen/{w.draft_application.pk}/",
        valid=lambda w: APPLICATION_FORM,
        walked=lambda name: not re.match(r"budget-[1-9]-", name)),
    "mijn/regelingen/aanvragen/<int:pk>/": Walk(
        "manager", lambda w: f"/mijn/regelingen/aanvragen/{w.submitted_application.pk}/",
        valid=lambda w: {"outcome": "more_info", "decision": "Graag een offerte.",
                         "grounds": "Onvolledig."}),
    "initiatieven/<slug:slug>/aanvragen/<int:pk>/verantwoording/": Walk(
        "owner", lambda w: f"/initiatieven/{_slug(w)}/aanvragen/{_paid(w).pk}/verantwoording/",
        valid=lambda w: ACCOUNTABILITY_FORM,
        walked=lambda name: not re.match(r"receipt-[1-9]-", name)),
    "mijn/regelingen/aanvragen/<int:pk>/verantwoording/": Walk(
        "manager", lambda w: f"/mijn/regelingen/aanvragen/{_accounted(w).pk}/verantwoording/",
        valid=lambda w: {"settle-amount": "900", "settle-text": "Vastgesteld."}),
    "mijn/regelingen/aanvragen/<int:pk>/verantwoording/terugvorderen/": Walk(
        "manager",
        lambda w: f"/mijn/regelingen/aanvragen/{_accounted(w).pk}/verantwoording/terugvorderen/",
        form_page=lambda w: f"/mijn/regelingen/aanvragen/{_accounted(w).pk}/verantwoording/",
        valid=lambda w: {"reclaim-amount": "100", "reclaim-reason": "Minder uitgegeven."}),
    "mijn/regelingen/aanvragen/<int:pk>/verlengen/": Walk(
        "manager", lambda w: f"/mijn/regelingen/aanvragen/{w.submitted_application.pk}/verlengen/",
        form_page=lambda w: f"/mijn/regelingen/aanvragen/{w.submitted_application.pk}/",
        valid=lambda w: {"reason": "We wachten op een offerte."}),
    "mijn/regelingen/rondes/nieuw/": Walk(
        "manager", lambda w: f"/mijn/regelingen/rondes/nieuw/?fonds={w.round.fund.slug}",
        valid=lambda w: {**ROUND_FORM, "method_version": str(w.round.method_version_id)}),
    "mijn/regelingen/rondes/<int:pk>/bewerken/": Walk(
        "manager", lambda w: f"/mijn/regelingen/rondes/{w.committee_round.pk}/bewerken/"),
    "mijn/regelingen/rondes/<int:pk>/criteria/": Walk(
        "manager", lambda w: f"/mijn/regelingen/rondes/{w.committee_round.pk}/criteria/",
        valid=lambda w: {"criteria-2-name": "Draagvlak", "criteria-2-max_score": "5",
                         "criteria-2-weight": "2", "criteria-2-position": "3"},
        walked=lambda name: not re.match(r"criteria-[1-9]-", name)),
    "mijn/regelingen/rondes/<int:pk>/commissie/": Walk(
        "manager", lambda w: f"/mijn/regelingen/rondes/{w.committee_round.pk}/commissie/",
        valid=lambda w: {"email": w.owner.email}),
    "mijn/regelingen/rondes/<int:pk>/beoordelingen/": Walk(
        "manager", lambda w: f"/mijn/regelingen/rondes/{w.committee_round.pk}/beoordelingen/"),
    "mijn/commissie/aanvragen/<int:pk>/": Walk(
        "member", lambda w: f"/mijn/commissie/aanvragen/{w.committee_application.pk}/",
        valid=lambda w: {"recommendation": "maybe", "comment": "Mooi plan.", **{
            f"score_{c.pk}": "3" for c in w.committee_round.criteria.all()}}),
    "mijn/commissie/aanvragen/<int:pk>/belangenverstrengeling/": Walk(
        "member",
        lambda w: f"/mijn/commissie/aanvragen/{w.committee_application.pk}/belangenverstrengeling/",
        form_page=lambda w: f"/mijn/commissie/aanvragen/{w.committee_application.pk}/",
        valid=lambda w: {"reason": "Mijn buren."}),
    "mijn/regelingen/rondes/<int:pk>/betalingen/": Walk(
        "manager", lambda w: f"/mijn/regelingen/rondes/{w.round.pk}/betalingen/",
        valid=lambda w: {"applications": [str(w.to_pay.pk)],
                         "execution_date": timezone.localdate().isoformat()}),
    "mijn/regelingen/betalingen/<int:pk>/": Walk(
        "manager", lambda w: f"/mijn/regelingen/betalingen/{w.batch.pk}/",
        valid=lambda w: {"paid_on": timezone.localdate().isoformat()}),
    "mijn/matches/<int:pk>/<str:action>/": Walk(
        "owner", lambda w: f"/mijn/matches/{w.match.pk}/levering/",
        form_page=lambda w: f"/mijn/matches/{w.match.pk}/",
        valid=lambda w: {"levering-delivered_on": timezone.localdate().isoformat(),
                         "levering-hours": "6", "levering-materials": "Hout",
                         "levering-materials_value": "80", "levering-money": "25"}),
    "mijn/matches/vragen/<int:offer_pk>/": Walk(
        "owner", lambda w: f"/mijn/matches/vragen/{w.offer.pk}/",
        valid=lambda w: {"need": str(w.need.pk), "message": "Helpen jullie?"}),
    "beurs/aanmelden/": Walk(
        "owner", lambda w: "/beurs/aanmelden/",
        valid=lambda w: {"name": "Buurtsuper", "kind": "company", "summary": "Boodschappen.",
                         "categories": ["materials"],
                         "municipalities": [str(w.initiative.municipality_id)]}),
    "beurs/moderatie/<slug:slug>/<str:action>/": Walk(
        "staff", lambda w: f"/beurs/moderatie/{w.pending_partner.slug}/weigeren/",
        form_page=lambda w: "/beurs/moderatie/", valid=lambda w: {"reason": "Onvolledig."}),
    "beurs/partners/<slug:slug>/medewerkers/": Walk(
        "owner", lambda w: f"/beurs/partners/{w.partner.slug}/medewerkers/",
        form_page=lambda w: f"/beurs/partners/{w.partner.slug}/beheer/",
        valid=lambda w: {"email": w.manager.email}),
    "beurs/partners/<slug:slug>/aanbod/nieuw/": Walk(
        "owner", lambda w: f"/beurs/partners/{w.partner.slug}/aanbod/nieuw/",
        valid=lambda w: {"category": "hands", "title": "Handen voor een klus"}),
}  # fmt: skip

ROUND_FORM = {
    "name": "Buurtbudget", "slug": "buurtbudget", "mode": "committee", "opens_on": "2027-03-01",
    "closes_on": "2027-04-30", "pot": "20000", "min_award": "250", "max_award": "2500",
    "max_awards_per_year": "1", "scope_from": "primary", "decision_term": "6",
    "decision_term_unit": "weeks", "extension_term": "0", "extension_term_unit": "weeks",
    "payment_term": "4", "payment_term_unit": "weeks", "accountability_months": "6",
    "mijn/regelingen/rondes/<int:pk>/betalingen/": Walk(
        "manager", lambda w: f"/mijn/regelingen/rondes/{w.round.pk}/betalingen/",
        valid=lambda w: {"applications": [str(w.to_pay.pk)],
                         "execution_date": timezone.localdate().isoformat()}),
    "mijn/regelingen/betalingen/<int:pk>/": Walk(
        "manager", lambda w: f"/mijn/regelingen/betalingen/{w.batch.pk}/",
        valid=lambda w: {"paid_on": timezone.localdate().isoformat()}),
}  # fmt: skip

APPLICATION_FORM = {
    "purpose": "Een kas", "plan": "We bouwen een kas.", "amount": "1000", "own_money": "0",
    "own_hours": "10", "own_materials": "", "supporters": "5", "opponents": "0",
    "payee": "entity", "payee_name": "Stichting De Tuin", "iban": "NL91ABNA0417164300",
    "budget-TOTAL_FORMS": "6", "budget-INITIAL_FORMS": "0", "budget-MIN_NUM_FORMS": "6",
    "budget-MAX_NUM_FORMS": "6", "budget-0-description": "Kas", "budget-0-amount": "1000",
}  # fmt: skip

ACCOUNTABILITY_FORM = {
    "done": "We bouwden de kas.", "spent": "900", "volunteer_hours": "12", "people_reached": "30",
    "story": "De kas staat er.", "receipt-TOTAL_FORMS": "3", "receipt-INITIAL_FORMS": "0",
    "receipt-MIN_NUM_FORMS": "3", "receipt-MAX_NUM_FORMS": "3",
    "receipt-0-file": lambda: SimpleUploadedFile("bon.pdf", b"%PDF-1.4 bon", "application/pdf"),
    "receipt-0-description": "Hout", "receipt-0-amount": "900", "save": "1",
}  # fmt: skip


def _paid(world: World):
    """The owner's paid award (made when a walk first asks for it)."""
    if not hasattr(world, "paid_award"):
        world.paid_award, _owner = paid_award(
            world.round, initiative=world.initiative, owner=world.owner
        )
    return world.paid_award


def _accounted(world: World):
    """An accounted award of another initiative in the manager's fund."""
    if not hasattr(world, "accounted_award"):
        world.accounted_award, _owner = accounted_award(world.round)
    return world.accounted_award


NO_FORM = "no form: a page or file that is only read (GET)"
NOT_WALKED: dict[str, str] = {
    "": NO_FORM,
    "mijn/gegevens/": NO_FORM,
    "mijn/gegevens.json": NO_FORM,
    "initiatieven/": NO_FORM + "; its filters are checked in test_browse.py",
    r"^initiatieven/export\.(?P<fmt>csv|xlsx)$": NO_FORM,
    "initiatieven/<slug:slug>/": NO_FORM,
    "initiatieven/<slug:slug>/handprint/verklaring/": NO_FORM,
    "mijn/": NO_FORM,
    "moderatie/": NO_FORM,
    "methode/": NO_FORM,
    "methode/<str:code>/": NO_FORM,
    "methode/<str:code>/methode.<str:fmt>": NO_FORM,
    "provincies/<str:code>/": NO_FORM,
    "provincies/<str:code>/export.<str:fmt>": NO_FORM,
    "gemeenten/<str:code>/": NO_FORM,
    "gemeenten/<str:code>/export.<str:fmt>": NO_FORM,
    "gemeenten/<str:municipality>/wijken/<str:code>/": NO_FORM,
    "gemeenten/<str:municipality>/wijken/<str:code>/export.<str:fmt>": NO_FORM,
    "gemeenten/<str:municipality>/wijken/<str:district>/buurten/<str:code>/": NO_FORM,
    "leden/": NO_FORM,
    "regelingen/": NO_FORM,
    "beurs/cijfers/": NO_FORM,
    "initiatieven/<slug:slug>/regelingen/": NO_FORM + "; its start buttons are walked",
    "mijn/regelingen/": NO_FORM,
    "initiatieven/<slug:slug>/aanvragen/<int:pk>/verantwoording/bonnen/<int:receipt_pk>/": (
        NO_FORM + ": a receipt's download"
    ),
    "mijn/commissie/": NO_FORM,
    "mijn/commissie/rondes/<int:pk>/": NO_FORM,
    "mijn/regelingen/rondes/<int:pk>/commissie/<int:member_pk>/intrekken/": (
        "takes no field (test_funding_committee.py posts it)"
    ),
    "mijn/regelingen/betalingen/<int:pk>/betaalopdracht.<str:fmt>": NO_FORM,
    "mijn/regelingen/rondes/<int:pk>/rapport/": NO_FORM,
    "mijn/regelingen/rondes/<int:pk>/rapport.<str:fmt>": NO_FORM,
    "mijn/regelingen/fondsen/<slug:slug>/rapport/": NO_FORM,
    "mijn/regelingen/fondsen/<slug:slug>/rapport.<str:fmt>": NO_FORM,
    "initiatieven/<slug:slug>/aanvragen/<int:pk>/intrekken/": (
        "takes no field (test_funding_pages.py posts it)"
    ),
    "leden/<slug:slug>/": NO_FORM,
    "mijn/matches/": NO_FORM,
    "mijn/matches/<int:pk>/": NO_FORM + "; its forms post to <action>/ (walked)",
    "beurs/match/<str:token>/": "no form: the visitor's link puts its token in the session",
    "beurs/hulp/": NO_FORM + "; its forms post to beurs/hulp/<action>/",
    # The match pages' other forms: the same fields and code as the walked ones.
    "beurs/hulp/<str:action>/": (
        "the visitor's actions: the same forms and view code as mijn/matches/<pk>/<action>/ "
        "(walked); the session key is tested in test_exchange_matches.py"
    ),
    "mijn/matches/aanbieden/<int:need_pk>/": (
        "the user's own partners and offers as choices and a message, as the walked "
        "mijn/matches/vragen/<offer_pk>/; posted by test_idor.py and test_exchange_matches.py"
    ),
    "mijn/matches/hulpaanbod/<int:pk>/": (
        "one message field, the walked one of mijn/matches/vragen/<offer_pk>/; posted by "
        "test_idor.py"
    ),
    "beurs/": NO_FORM,
    "beurs/aanbod/": NO_FORM + "; its filters are checked in test_exchange_offers.py",
    "beurs/partners/": NO_FORM,
    "beurs/mijn/": NO_FORM,
    "beurs/moderatie/": NO_FORM + "; its buttons and reasons are walked",
    "beurs/partners/<slug:slug>/": NO_FORM,
    "beurs/partners/<slug:slug>/beheer/": NO_FORM + "; its forms post to routes walked here",
    "beurs/partners/<slug:slug>/bewerken/": (
        "the same PartnerForm and checks (services_partners._set_profile) as the walked "
        "beurs/aanmelden/"
    ),
    "beurs/partners/<slug:slug>/aanbod/<int:pk>/bewerken/": (
        "the same OfferForm and checks as the walked beurs/partners/<slug:slug>/aanbod/nieuw/"
    ),
    "beurs/partners/<slug:slug>/opnieuw-indienen/": (
        "takes no field (test_exchange_partners.py posts it)"
    ),
    "beurs/partners/<slug:slug>/medewerkers/<int:pk>/verwijderen/": (
        "takes no field (test_exchange_partners.py posts it)"
    ),
    "beurs/partners/<slug:slug>/aanbod/<int:pk>/sluiten/": (
        "takes no field (test_exchange_offers.py closes offers)"
    ),
    "privacy/": NO_FORM,
    "gebruiksvoorwaarden/": NO_FORM,
    "toegankelijkheid/": NO_FORM,
    "i18n/setlang/": (
        "Django's set_language: no page renders its form any more (the header has language "
        "links); test_pages.py and test_csrf.py post it"
    ),
    "taal/<str:code>/": "no form: a GET link that sets the language cookie (405 on POST)",
    "health/": NO_FORM,
    "health/ready/": NO_FORM,
    "health/metrics/": NO_FORM,
    r"^media/(?P<path>.*)$": NO_FORM,
    "beheer/members/import/voorbeeld.<str:fmt>": NO_FORM,
    "beheer/members/import/<uuid:job_id>/": NO_FORM,
    "beheer/members/export/<str:name>.<str:fmt>": NO_FORM,
    "beheer/members/import/<uuid:job_id>/toepassen/": (
        "takes no field: applies a checked job (test_members_import.py posts it)"
    ),
    "accounts/logout/": "takes no field",
    "accounts/inactive/": NO_FORM,
    "accounts/confirm-email/": NO_FORM,
    "accounts/password/reset/done/": NO_FORM,
    "accounts/password/reset/key/done/": NO_FORM,
    "accounts/password/set/": "allauth's password form, the same fields as password/change/",
    "accounts/reauthenticate/": "allauth's password form, the same field as the login",
    "accounts/login/code/confirm/": "login by code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED)",
    r"accounts/^confirm-email/(?P<key>[-:\w]+)/$": "takes no field but the key in its path",
    r"accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        "needs a live reset key; its fields are those of password/change/"
    ),
}
# allauth's second factor: one code field or a confirmation, checked by allauth against the
# authenticator; test_mfa.py posts them. Named here so a new MFA route is not skipped silently.
MFA_ROUTES = {
    "accounts/2fa/",
    "accounts/2fa/authenticate/",
    "accounts/2fa/reauthenticate/",
    "accounts/2fa/totp/activate/",
    "accounts/2fa/totp/deactivate/",
    "accounts/2fa/recovery-codes/",
    "accounts/2fa/recovery-codes/generate/",
    "accounts/2fa/recovery-codes/download/",
}


def _admin_add_form(name: str | None) -> str | None:
    """'app.model' if the route is the add form of one of the project's own ModelAdmins."""
    match = re.fullmatch(r"admin:(\w+?)_(\w+)_add", name or "")
    if not match:
        return None
    for model in admin.site._registry:
        opts = model._meta
        if (opts.app_label, opts.model_name) == match.groups():
            return opts.label if opts.app_label in OWN_ADMIN_APPS else None
    return None


def _not_walked_reason(route: str, name: str | None) -> str | None:
    if route in NOT_WALKED:
        return NOT_WALKED[route]
    if route in MFA_ROUTES:
        return "allauth MFA: a code or a confirmation, posted by test_mfa.py"
    if route.startswith("beheer/") and _admin_add_form(name) is None:
        if (name or "").endswith("_change"):
            return (
                "admin change form: the same ModelForm as the walked add form of that "
                "ModelAdmin (the change forms need one object per model; not walked yet)"
            )
        return (
            "Django admin: changelists (actions post ids and an action name), delete "
            "confirmations, history and redirects, or the admin of a third-party app"
        )
    return None


def web_routes() -> list[tuple[str, str | None]]:
    return [(route, name) for route, _p, name in url_patterns() if not route.startswith("api/")]


ADMIN_ADD_ROUTES = sorted(
    (route, _admin_add_form(name)) for route, name in web_routes() if _admin_add_form(name)
)


def test_every_web_route_is_walked_or_has_a_reason():
    neither = [
        route
        for route, name in web_routes()
        if route not in WALKS
        and _admin_add_form(name) is None
        and _not_walked_reason(route, name) is None
    ]
    assert not neither, f"add these routes to WALKS or NOT_WALKED: {neither}"
    stale = (set(WALKS) | set(NOT_WALKED)) - {route for route, _ in web_routes()}
    assert not stale, f"no such routes any more: {stale}"


def test_the_walk_covers_the_forms_that_matter():
    assert {"initiatieven/nieuw/", "initiatieven/<slug:slug>/bewerken/"} <= set(WALKS)
    assert len(WALKS) >= 20
    assert any(label == "initiatives.Initiative" for _, label in ADMIN_ADD_ROUTES)
    assert any(label == "members.MemberOrganisation" for _, label in ADMIN_ADD_ROUTES)


# --- The walk ------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The fields of each POST form of a page: {action: {name: [values of a plain submit]}}."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, list[str]]] = {}
        self.files: set[str] = set()
        # Fields whose value is parsed or chosen (numbers, dates, choices, checkboxes, hidden
        # counters), not free text.
        self.typed: set[str] = set()
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = self.forms.setdefault(a.get("action", ""), {})
        if self._form is None or "name" not in a and tag != "option":
            return
        name = a.get("name")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form.setdefault(name, [])
            if kind not in FREE_TEXT_INPUTS:
                self.typed.add(name)
            if kind == "file":
                self.files.add(name)
            elif kind not in ("checkbox", "radio") or "checked" in a:
                self._form[name].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self._form.setdefault(name, [""])
        elif tag == "select":
            self._select = name
            self.typed.add(name)
            self._form.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select].append(a.get("value", ""))

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_fields(html: str, action: str) -> tuple[dict[str, list[str]], set[str], set[str]]:
    """The fields of the page's POST form that posts to `action` (its own page: action ""),
    which of them are files, and which are typed (not free text)."""
    parser = _FormFields()
    parser.feed(html)
    for candidate in (action, ""):
        if candidate in parser.forms:
            fields = parser.forms[candidate]
            fields.pop("csrfmiddlewaretoken", None)
            return fields, parser.files, parser.typed
    raise AssertionError(f"no POST form to {action} on the page: {sorted(parser.forms)}")


def _own_models() -> list:
    return [
        model
        for app in OWN_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def row_counts() -> dict[str, int]:
    """Rows per table of the project's own apps, in one query."""
    tables = sorted({model._meta.db_table for model in _own_models()})
    # Table names come from the models, never from input.
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def assert_whole(objects: list) -> None:
    """Each saved object passes its model's validation: no half-written or invalid record."""
    for obj in objects:
        obj.refresh_from_db()
        try:
            obj.full_clean(validate_unique=False)
        except ValidationError as exc:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"{obj._meta.label} {obj.pk} is not whole: {exc}") from exc


def _newest_rows(before: dict[str, int], after: dict[str, int]) -> list:
    rows = []
    for model in _own_models():
        if model.__name__.startswith("Historical"):
            continue  # django-simple-history's copies: counted above, not model-validated
        added = after[model._meta.db_table] - before[model._meta.db_table]
        if added > 0:
            rows += list(model.objects.order_by("-pk")[:added])
    return rows


def row_states(objects: list) -> dict[tuple[str, object], dict]:
    """The stored values of each object, one query per model."""
    by_model: dict[type, list] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj.pk)
    return {
        (model._meta.label, row["pk"]): row
        for model, pks in by_model.items()
        for row in model.objects.filter(pk__in=pks).values("pk", *_concrete(model))
    }


def _concrete(model: type) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def post_and_check(client: Client, path: str, data: dict, watched: list, what: str) -> None:
    before, states = row_counts(), row_states(watched)
    # Multipart, as a browser posts a form with a file (and the same fields parse either way).
    response = client.post(path, {k: (v() if callable(v) else v) for k, v in data.items()})
    after, changed_states = row_counts(), row_states(watched)
    where = f"POST {path} {what}"
    assert response.status_code not in (500, 503), where
    if response.status_code >= 400:
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, f"{where} answered {response.status_code} but saved {changed}"
    # The watched rows were whole before (checked when the walk began): only a changed one
    # can have become half-written.
    changed_watched = [
        obj for obj in watched if states.get(_key(obj)) != changed_states.get(_key(obj))
    ]
    assert_whole(_newest_rows(before, after) + changed_watched)


def _key(obj) -> tuple[str, object]:
    return (obj._meta.label, obj.pk)


@pytest.fixture(scope="module")
def _shared_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The walk's world, written once for the module (tests/conftest.py `shared_rows`)."""
    media = tmp_path_factory.mktemp("hostile-media")
    with (
        override_settings(
            MEDIA_ROOT=str(media), PRIVATE_MEDIA_ROOT=str(media / "private"), DEBUG=False
        ),
        shared_rows(django_db_blocker),
    ):
        reference_data_load()
        yield _build_world()


@pytest.fixture
def world(_shared_world, db) -> World:
    """The shared world; a copy, so what a walk attaches to it (a lazily made award) leaves
    with that walk's savepoint."""
    return copy.copy(_shared_world)


def _build_world() -> World:
    owner = UserFactory()
    staff = UserFactory(is_staff=True, is_superuser=True)
    municipality = MunicipalityFactory()
    DistrictFactory(municipality=municipality)
    initiative = InitiativeFactory(published=True, owner=owner, municipality=municipality)
    draft = InitiativeFactory(owner=owner, municipality=municipality)
    OfficerGrant.objects.create(user=UserFactory(), municipality=municipality)
    need = NeedFactory(initiative=initiative)
    photo = photo_add(initiative=initiative, user=owner, image=_jpeg(), alt_text="Een tuin.")
    invitation = owner_invite(initiative=initiative, inviter=owner, email="mede@example.org")
    token, _key = api_token_create(user=owner, name="Script")
    initiative.legal_form = Initiative.LegalForm.FOUNDATION
    initiative.save(update_fields=["legal_form"])
    round_ = fund_account(make_round(extension_term=2))
    manager = manager_of(round_)
    draft_application = application_start(user=owner, initiative=initiative, round_=round_)
    submitted, applicant = complete_draft(round_)
    application_submit(application=submitted, user=applicant)
    committee_round = make_committee_round()
    FundManager.objects.create(fund=committee_round.fund, user=manager)
    member = committee_member_of(committee_round)
    in_committee, applicant = complete_draft(committee_round)
    application_submit(application=in_committee, user=applicant)
    world = World(
        owner, staff, initiative, draft, need, photo, invitation.token, token.pk,
        manager, round_, draft_application, submitted, committee_round, member, in_committee,
    )  # fmt: skip
    _exchange_world(world)
    world.partner = make_partner("Buurtsuper", staff=owner, municipalities=(municipality,))
    world.pending_partner = make_partner("Wachtend Bedrijf", status="pending")
    world.to_pay = award(round_, manager=manager)
    world.batch = payment_batch_create(
        user=manager,
        round_=round_,
        applications=[award(round_, manager=manager)],
        execution_date=timezone.localdate(),
    )
    return world


def _exchange_world(world: World) -> None:
    partner = approved_partner("Woonstad")
    world.offer = make_offer(partner)
    need = NeedFactory(initiative=world.initiative)
    world.match = agreed(world.owner, staff_of(partner), world.offer, need)


def _client(world: World, user: str) -> Client:
    client = Client(raise_request_exception=False)
    users = {
        "owner": world.owner, "staff": world.staff, "manager": world.manager,
        "member": world.member,
    }  # fmt: skip
    if user == "visitor":
        users["visitor"] = UserFactory(email="mede@example.org")
    if user in users:
        client.force_login(users[user])
    return client


def _walk(
    client,
    path,
    fields,
    valid,
    watched,
    typed: set[str] = frozenset(),
    free: set[str] = frozenset(),
) -> None:
    assert_whole(watched)
    for kind, value in HOSTILE.items():
        if kind not in ONE_FIELD_AT_A_TIME:
            data = {**valid, **dict.fromkeys(fields, value)}
            post_and_check(client, path, data, watched, f"{kind} in every field")
            continue
        for name in fields:
            # A typed field refuses any text it cannot parse: the mixed scripts and the wrong
            # type reach that; a megabyte there adds nothing. Free text takes "[object
            # Object]" as the text it is: the mixed scripts and the megabyte reach its limits.
            if (kind == "megabyte" and name in typed) or (kind == "wrong_type" and name in free):
                continue
            data = dict(valid)
            if value is MISSING:
                data.pop(name, None)
            else:
                data[name] = value
            post_and_check(client, path, data, watched, f"{kind} in {name}")
    # And the untouched valid post: it is saved whole, or refused without a trace.
    post_and_check(client, path, dict(valid), watched, "the valid post")


@pytest.mark.parametrize("route", sorted(WALKS))
def test_a_hostile_post_to_a_form_is_never_a_500_nor_half_saved(world, route):
    walk = WALKS[route]
    client = _client(world, walk.user)
    path = walk.path(world)
    page = client.get(walk.form_page(world) if walk.form_page else path)
    assert page.status_code == 200, (route, page.status_code)
    fields, files, typed = form_fields(page.content.decode(), path)
    valid = {name: values if len(values) > 1 else (values[0] if values else "")
             for name, values in fields.items() if name not in files}  # fmt: skip
    valid.update(walk.valid(world))
    watched = [world.initiative, world.draft, world.need, world.owner, world.match]
    names = [name for name in sorted(set(fields) | set(valid)) if walk.walked(name)]
    free = set(fields) - typed - files
    _walk(client, path, names, valid, watched, typed, free)


@pytest.mark.parametrize(
    ("route", "label"),
    [pytest.param(route, label) for route, label in ADMIN_ADD_ROUTES],
    ids=[route for route, _ in ADMIN_ADD_ROUTES],
)
def test_a_hostile_post_to_an_admin_add_form_is_never_a_500_nor_half_saved(world, route, label):
    client = _client(world, "staff")
    path = "/" + route
    page = client.get(path)
    if page.status_code == 403:  # this ModelAdmin adds nothing (e.g. records made by services)
        assert client.post(path, {}).status_code == 403
        return
    assert page.status_code == 200, (route, page.status_code)
    fields, files, _typed = form_fields(page.content.decode(), "")
    valid = {name: values[0] if values else "" for name, values in fields.items()}
    for kind, value in HOSTILE.items():
        if value is MISSING:
            data = {k: v for k, v in valid.items() if k.endswith(("TOTAL_FORMS", "INITIAL_FORMS"))}
        else:
            data = {k: (v if k.endswith("_FORMS") else value) for k, v in valid.items()}
        post_and_check(client, path, data, [], f"{kind} in every field")
