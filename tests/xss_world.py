"""The hostile-text world the XSS tests share (tests/test_xss.py parses the pages,
tests/browser/test_xss_browser.py opens them in Chromium): the payloads, every free-text field
they are written into, and every page that shows one of those fields."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.api_auth import api_token_create
from accounts.models import ApiToken, User
from exchange import services as exchange
from exchange.models import Match, MatchMessage, Offer, Partner, Side
from exchange.services import Actor
from funding.models import (
    Accountability,
    Application,
    BudgetLine,
    CommitteeMember,
    Criterion,
    Fund,
    FundManager,
    Payment,
    PaymentBatch,
    Receipt,
    Review,
    Round,
    Score,
)
from initiatives.models import HelpOffer, Initiative, InitiativeEvent, InitiativePhoto, Need
from members.models import ContactPerson, MemberOrganisation, Membership
from tests.factories import InitiativeFactory, MunicipalityFactory, NeedFactory, UserFactory
from tests.funding_helpers import make_committee_round, make_round
from tests.match_helpers import agreed, helper_match
from tests.member_factories import ContactPersonFactory, MemberOrganisationFactory
from tests.partner_helpers import make_offer, make_partner

# Each one sets window.__xss when it runs (the browser test looks for that).
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror=window.__xss=1>',
    "'><svg onload=window.__xss=1>",
    "</textarea><svg onload=window.__xss=1>",
    "</title><script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">klik</a>',
    "javascript:window.__xss=1",
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "{{7*7}}{% debug %}${7*7}<%= 7*7 %>",
    "\u202e<b onmouseover=window.__xss=1>gnp.exe\u202c",
    "<!--<script>window.__xss=1</script>-->",
    '<x" onfocus=window.__xss=1 autofocus tabindex=0 y="',
    "\ufeff\u200b<details open ontoggle=window.__xss=1>",
]

# model: the free-text fields written with the payload (emails too: the database takes them).
FIELDS: dict[type, list[str]] = {
    Initiative: [
        "name",
        "summary",
        "description",
        "website",
        "public_email",
        "contact_name",
        "contact_email",
        "contact_phone",
        "return_reason",
    ],
    Need: ["title", "description", "amount"],
    HelpOffer: ["name", "message", "email"],
    InitiativePhoto: ["alt_text"],
    InitiativeEvent: ["reason"],
    MemberOrganisation: ["name", "street_address", "city", "website", "story", "photo_alt"],
    ContactPerson: ["name", "role", "email", "phone"],
    Membership: ["reason"],
    User: ["full_name"],
    ApiToken: ["name"],
    Fund: ["name", "funder", "description", "regulation", "account_name"],
    Round: ["name"],
    Application: [
        "purpose",
        "plan",
        "own_materials",
        "payee_name",
        "decision",
        "grounds",
        "objection",
        "extension_reason",
        "settlement",
    ],
    BudgetLine: ["description"],
    Accountability: ["done", "story"],
    Receipt: ["description"],
    Criterion: ["name", "description"],
    Review: ["conflict_reason", "comment"],
    Payment: ["payee_name"],
    Partner: ["name", "summary", "description", "website", "kvk_number", "status_reason"],
    Offer: ["title", "description", "amount"],
    Match: ["materials"],
    MatchMessage: ["body"],
}
MAX_LENGTHS = {
    (model, name): model._meta.get_field(name).max_length
    for model, names in FIELDS.items()
    for name in names
}


def fit(payload: str, model: type, name: str) -> str:
    limit = MAX_LENGTHS[(model, name)]
    return payload if limit is None else payload[:limit]


def xss_world() -> dict:
    """An owner's published and submitted initiative with a need, an offer, a photo and a
    history entry; a member organisation with a contact and membership; staff; a token."""
    municipality = MunicipalityFactory()
    owner = UserFactory()
    published = InitiativeFactory(published=True, owner=owner, municipality=municipality)
    submitted = InitiativeFactory(submitted=True, owner=owner, municipality=municipality)
    need = NeedFactory(initiative=published)
    help_offer = HelpOffer.objects.create(
        need=need, name="Piet", email="piet@example.org", message="Hoi", consent=True
    )
    InitiativePhoto.objects.create(
        initiative=published,
        large="x-large.jpg",
        thumb="x-thumb.jpg",
        width=10,
        height=10,
        alt_text="Tuin",
    )
    InitiativeEvent.objects.create(initiative=submitted, action="returned", reason="Reden")
    organisation = MemberOrganisationFactory(municipality=municipality, member=True)
    ContactPersonFactory(organisation=organisation, is_primary=True)
    api_token_create(user=owner, name="Script")
    # A fund whose manager is the staff member: an award of `published` (profile, register,
    # its owner's page) and a submitted application to decide.
    staff = UserFactory(is_staff=True, is_superuser=True)
    round_ = make_round(opens_on=datetime.date(2026, 1, 1))
    FundManager.objects.create(fund=round_.fund, user=staff)
    award = Application.objects.create(
        round=round_,
        initiative=published,
        status=Application.Status.APPROVED,
        purpose="Een kas",
        amount=Decimal(1000),
        awarded=Decimal(1000),
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
        decision="Toegekend",
        grounds="Past",
        objection="Bezwaar binnen zes weken",
        grant=Application.Grant.SETTLED,
        settled_amount=Decimal(900),
        settlement="Vastgesteld",
    )
    BudgetLine.objects.create(application=award, description="Kas", amount=Decimal(1000))
    # Its accountability (submitted: the story is on the profile) and a paid award whose
    # accountability is a draft (the form), each with a receipt.
    paid = Application.objects.create(
        round=round_,
        initiative=published,
        status=Application.Status.APPROVED,
        purpose="Verf",
        amount=Decimal(500),
        awarded=Decimal(500),
        grant=Application.Grant.PAID,
        accountability_due=timezone.localdate(),
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
    )
    for application, submitted_at in [(award, timezone.now()), (paid, None)]:
        accountability = Accountability.objects.create(
            application=application,
            done="Gedaan",
            spent=Decimal(900),
            story="Verhaal",
            submitted_at=submitted_at,
        )
        Receipt.objects.create(
            accountability=accountability,
            file="funding/receipts/bon.pdf",
            description="Hout",
            amount=Decimal(9),
        )
    to_decide = Application.objects.create(
        round=round_,
        initiative=published,
        status=Application.Status.SUBMITTED,
        purpose="Gereedschap",
        plan="Plan",
        amount=Decimal(600),
        reserved=Decimal(600),
        payee_name="Stichting",
        iban="NL91ABNA0417164300",
        submitted_at=timezone.now(),
        decision_due=timezone.localdate(),
    )
    BudgetLine.objects.create(application=to_decide, description="Hamer", amount=Decimal(600))
    # A committee round of the same fund, with a review and a declared conflict; the staff
    # member (its fund manager) is in its committee too, so one client reads both sides. One
    # criterion: the payload is written into every name, which is unique per round.
    committee_round = make_committee_round(fund=round_.fund, slug="commissie", criteria=1)
    to_review = Application.objects.create(
        round=committee_round,
        initiative=published,
        status=Application.Status.SUBMITTED,
        purpose="Een feest",
        plan="Plan",
        amount=Decimal(700),
        payee_name="Stichting",
        iban="NL91ABNA0417164300",
        submitted_at=timezone.now(),
        decision_due=committee_round.closes_on,
    )
    BudgetLine.objects.create(application=to_review, description="Tent", amount=Decimal(700))
    CommitteeMember.objects.create(round=committee_round, user=staff)
    reviewer, conflicted = UserFactory(), UserFactory()
    review = Review.objects.create(
        application=to_review, reviewer=reviewer, recommendation="yes", comment="Goed"
    )
    for criterion in committee_round.criteria.all():
        Score.objects.create(review=review, criterion=criterion, score=3)
    Review.objects.create(
        application=to_review, reviewer=conflicted, conflict=True, conflict_reason="Buren"
    )
    # The award in a payment batch: the batch page shows its payee and the fund's account.
    batch = PaymentBatch.objects.create(
        round=round_, message_id="BB-XSS", execution_date=timezone.localdate()
    )
    Payment.objects.create(
        application=award,
        batch=batch,
        amount=Decimal(1000),
        payee_name="Stichting",
        iban="NL91ABNA0417164300",
    )
    # A partner of the exchange the owner keeps, with an offer, and one waiting for approval.
    partner = make_partner("Buurtsuper", staff=owner, municipalities=(municipality,))
    offer = make_offer(partner, "Handen")
    make_partner("Wachtend Bedrijf", status=Partner.Status.PENDING, kvk_number="12345678")
    # Matches, each with a message: the owner, on Buurtsuper's staff, gives to a neighbour's
    # initiative (delivered: its materials on the partner's profile; and agreed, its delivery
    # reported, the initiative sharing its contact); and a visitor's offer of help on the
    # owner's need is a delivered match (its materials on the owner's profile), both sides
    # sharing contact details (the owner sees the visitor's, the visitor the initiative's).
    neighbour = UserFactory()
    neighbours_need = NeedFactory(
        initiative=InitiativeFactory(published=True, owner=neighbour, municipality=municipality)
    )
    as_giver, today = Actor(Side.PARTNER, user=owner), timezone.localdate()
    delivered = agreed(neighbour, owner, offer, neighbours_need)
    exchange.match_delivery_report(
        match=delivered, actor=as_giver, delivered_on=today, materials="Hout"
    )
    exchange.match_delivery_confirm(match=delivered, actor=Actor(Side.INITIATIVE, user=neighbour))
    given = agreed(neighbour, owner, offer, neighbours_need)
    exchange.match_delivery_report(
        match=given, actor=as_giver, delivered_on=today, materials="Verf"
    )
    exchange.match_contact_share(
        match=given, actor=Actor(Side.INITIATIVE, user=neighbour), share=True
    )
    visitors = helper_match(owner, help_offer)
    as_visitor = Actor(Side.HELPER, token=visitors.helper_token)
    exchange.match_agree(match=visitors, actor=as_visitor, agreed_for=today)
    exchange.match_delivery_report(
        match=visitors, actor=as_visitor, delivered_on=today, materials="Zaden"
    )
    exchange.match_delivery_confirm(match=visitors, actor=Actor(Side.INITIATIVE, user=owner))
    exchange.match_contact_share(
        match=visitors, actor=Actor(Side.INITIATIVE, user=owner), share=True
    )
    return {
        "offer": offer,
        "given": given,
        "visitors_match": visitors,
        "neighbours_need": neighbours_need,
        "help_offer": help_offer,
        "partner": partner,
        "helper_entry": f"/beurs/match/{visitors.helper_token}/",
        "committee_round": committee_round,
        "to_review": to_review,
        "batch": batch,
        "award": award,
        "paid": paid,
        "to_decide": to_decide,
        "owner": owner,
        "published": published,
        "submitted": submitted,
        "need": need,
        "organisation": organisation,
        "municipality": municipality,
        "staff": staff,
    }


def plant(payload: str) -> None:
    """Writes the payload into every listed field of every row (what an import could do)."""
    for model, names in FIELDS.items():
        model.objects.update(**{name: fit(payload, model, name) for name in names})


def pages(world: dict) -> list[tuple[str, str, str]]:
    """(page name, who: anonymous/visitor/owner/staff, path): everything that shows one of the
    fields. The visitor is anonymous and has entered by their match's secret link
    (`helper_entry`)."""
    published, submitted, need = world["published"], world["submitted"], world["need"]
    organisation = world["organisation"]
    anonymous, visitor, owner, staff = "anonymous", "visitor", "owner", "staff"
    return [
        ("list", anonymous, "/initiatieven/"),
        ("list search", anonymous, f"/initiatieven/?municipality={world['municipality'].code}"),
        ("profile", anonymous, published.get_absolute_url()),
        ("help offer form", anonymous, f"/initiatieven/{published.slug}/vragen/{need.pk}/helpen/"),
        ("area page", anonymous, f"/gemeenten/{world['municipality'].code}/"),
        ("member directory", anonymous, "/leden/"),
        ("member page", anonymous, f"/leden/{organisation.slug}/"),
        ("profile as owner", owner, published.get_absolute_url()),
        ("returned draft as owner", owner, submitted.get_absolute_url()),
        ("mijn", owner, "/mijn/"),
        ("edit form", owner, f"/initiatieven/{published.slug}/bewerken/"),
        ("activity", owner, f"/initiatieven/{published.slug}/activiteit/"),
        ("need form", owner, f"/initiatieven/{published.slug}/vragen/nieuw/"),
        ("api tokens", owner, "/mijn/api-sleutels/"),
        ("moderation", staff, "/moderatie/"),
        ("profile as staff", staff, submitted.get_absolute_url()),
        ("admin initiatives", staff, "/beheer/initiatives/initiative/"),
        ("admin initiative", staff, f"/beheer/initiatives/initiative/{published.pk}/change/"),
        ("admin offers", staff, "/beheer/initiatives/helpoffer/"),
        ("admin members", staff, "/beheer/members/memberorganisation/"),
        (
            "admin member",
            staff,
            f"/beheer/members/memberorganisation/{organisation.pk}/change/",
        ),
        ("admin contacts", staff, "/beheer/members/contactperson/"),
        ("admin users", staff, "/beheer/accounts/user/"),
        ("admin user", staff, f"/beheer/accounts/user/{world['owner'].pk}/change/"),
        # Its offer cards are the offer list's (exchange/_offer_cards.html).
        ("partner profile", anonymous, world["partner"].get_absolute_url()),
        ("partner's own page", owner, f"/beurs/partners/{world['partner'].slug}/beheer/"),
        ("partner moderation", staff, "/beurs/moderatie/"),
        ("partners", anonymous, "/beurs/partners/"),
        # The match pages of both sides (the owner is the giving partner's staff on one, the
        # initiative on the other), the visitor's, and the three ways to propose one.
        ("matches", owner, "/mijn/matches/"),
        ("match as the partner", owner, world["given"].get_absolute_url()),
        ("match as the initiative", owner, world["visitors_match"].get_absolute_url()),
        ("visitor's match", visitor, "/beurs/hulp/"),
        ("ask this partner", owner, f"/mijn/matches/vragen/{world['offer'].pk}/"),
        ("we can help", owner, f"/mijn/matches/aanbieden/{world['neighbours_need'].pk}/"),
        ("make it a match", owner, f"/mijn/matches/hulpaanbod/{world['help_offer'].pk}/"),
        ("funding rounds", anonymous, "/regelingen/"),
        ("funding for an initiative", owner, f"/initiatieven/{published.slug}/regelingen/"),
        (
            "award as owner",
            owner,
            f"/initiatieven/{published.slug}/aanvragen/{world['award'].pk}/",
        ),
        (
            "accountability as owner",
            owner,
            f"/initiatieven/{published.slug}/aanvragen/{world['award'].pk}/verantwoording/",
        ),
        (
            "accountability form",
            owner,
            f"/initiatieven/{published.slug}/aanvragen/{world['paid'].pk}/verantwoording/",
        ),
        (
            "accountability to settle",
            staff,
            f"/mijn/regelingen/aanvragen/{world['award'].pk}/verantwoording/",
        ),
        (
            "accountability to account",
            staff,
            f"/mijn/regelingen/aanvragen/{world['paid'].pk}/verantwoording/",
        ),
        ("applications to decide", staff, "/mijn/regelingen/"),
        ("application to decide", staff, f"/mijn/regelingen/aanvragen/{world['to_decide'].pk}/"),
        ("round form", staff, f"/mijn/regelingen/rondes/{world['committee_round'].pk}/bewerken/"),
        ("criteria", staff, f"/mijn/regelingen/rondes/{world['committee_round'].pk}/criteria/"),
        (
            "reviews side by side",
            staff,
            f"/mijn/regelingen/rondes/{world['committee_round'].pk}/beoordelingen/",
        ),
        ("committee", staff, f"/mijn/regelingen/rondes/{world['committee_round'].pk}/commissie/"),
        ("committee round", staff, f"/mijn/commissie/rondes/{world['committee_round'].pk}/"),
        ("review", staff, f"/mijn/commissie/aanvragen/{world['to_review'].pk}/"),
        (
            "payments of a round",
            staff,
            f"/mijn/regelingen/rondes/{world['award'].round_id}/betalingen/",
        ),
        ("payment batch", staff, f"/mijn/regelingen/betalingen/{world['batch'].pk}/"),
        ("round report", staff, f"/mijn/regelingen/rondes/{world['award'].round_id}/rapport/"),
        (
            "fund report",
            staff,
            f"/mijn/regelingen/fondsen/{world['award'].round.fund.slug}/rapport/",
        ),
    ]
