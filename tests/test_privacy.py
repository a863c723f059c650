"""No personal data on public pages: every private field of the demo data carries a marker,
and no page, API response, export or uploaded file an anonymous visitor can reach shows any of
them."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import override_settings
from django.urls import resolve, reverse
from django.utils import timezone
from PIL import ExifTags, Image

from accounts.models import User
from common.throttling import throttle_history_clear
from exchange.demo import exchange_demo_seed
from exchange.models import MatchMessage, Offer, Partner, PartnerStaff
from funding.demo import FUND_MANAGER_LOGIN, MARKER_IBAN, committee_demo_seed, funding_demo_seed
from funding.models import Accountability, Application, PaymentBatch, Receipt
from funding.payments import payment_batch_create, payment_batch_mark_paid
from impact.demo import demo_activities_for
from impact.methods import current_version
from impact.models import MethodVersion
from initiatives.demo import (
    LOGINS,
    MARKER_DOMAIN,
    MARKER_MESSAGE,
    MARKER_NAME,
    MARKER_PHONE,
    MARKER_POSTCODE,
    PRIVATE_MARKERS,
    TEMPLATES,
    demo_seed,
)
from initiatives.models import ActivityReport, Initiative, Need, Theme
from members import tasks as member_tasks
from members.demo import members_demo_seed
from members.forms import MemberOrganisationAdminForm
from members.permissions import LSA_STAFF_GROUP
from members.selectors import directory_members
from places.models import District, Municipality, Neighbourhood, Province
from tests.factories import InitiativeFactory, UserFactory
from tests.funding_helpers import (
    award,
    committee_member_of,
    fund_account,
    make_committee_round,
    make_round,
    manager_of,
)
from tests.member_factories import MemberOrganisationFactory
from tests.partner_helpers import make_offer, make_partner
from tests.shared_data import cbs_places_load, reference_data_load, shared_rows
from tests.urlconf import url_patterns

# The demo world is written once for the module (tests/shared_data.py), on one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("privacy")]


@pytest.fixture(scope="module")
def _shared_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        override_settings(PRIVATE_MEDIA_ROOT=str(tmp_path_factory.mktemp("privacy"))),
        shared_rows(django_db_blocker),
    ):
        reference_data_load()
        cbs_places_load()
        _demo_build()
        yield


@pytest.fixture
def demo(_shared_demo, db):
    """40 demo initiatives, members, both demo funds and a buurt; shared by the module."""


def _demo_build() -> None:
    demo_seed(count=40, months=3)
    members_demo_seed()
    assert funding_demo_seed().created  # awards in the register; payees and IBANs private
    _reclaim_a_demo_award()
    # Reviews, committee members, payments, receipts and reclaims: none of it public.
    assert committee_demo_seed().created
    # Partners, offers and matches in every state: staff names and messages are private.
    assert exchange_demo_seed().created
    # The bundled CBS edition has no buurten: one, with a demo initiative, for the buurt pages.
    initiative = Initiative.objects.published().filter(district__isnull=False).first()
    district = initiative.district
    initiative.neighbourhood = Neighbourhood.objects.create(
        code=f"BU{district.code[2:]}01", name="Markeerbuurt", district=district, edition="2024"
    )
    initiative.save(update_fields=["neighbourhood"])
    _partners_with_markers()


def _partners_with_markers() -> None:
    """Partners of the exchange (issue #22), one in each state, each with an offer: their staff
    (never shown) and the reasons LSA staff gave (the partner's alone) carry the markers."""
    municipality = (
        Municipality.objects.filter(initiatives__status=Initiative.Status.PUBLISHED)
        .order_by("code")
        .first()
    )
    for n, (status, reason) in enumerate(
        [
            ("approved", f"Eerder geweigerd: {MARKER_NAME}, {MARKER_POSTCODE}"),
            ("suspended", f"Klacht van {MARKER_NAME}"),
            ("pending", ""),
        ]
    ):
        staff = UserFactory(email=f"partner{n}@{MARKER_DOMAIN}", full_name=f"{MARKER_NAME} {n}")
        partner = make_partner(
            f"Demopartner {n}",
            status=status,
            staff=staff,
            municipalities=(municipality,) if n else (),
            status_reason=reason,
            kvk_number="12345678",
        )
        make_offer(partner, f"Handen van partner {n}", description="Twee collega's, een dag.")


def _reclaim_a_demo_award() -> None:
    """An award accounted for (what was done and a receipt, private; a story, public) and
    partly reclaimed with a reason (private): the markers sit in everything private."""
    award = Application.objects.filter(status=Application.Status.APPROVED).order_by("pk").first()
    accountability = Accountability.objects.create(
        application=award,
        done=f"{MARKER_NAME} kocht het hout.",
        spent=Decimal("1234.56"),
        story="De cursus is gegeven.",
        submitted_at=award.decided_at,
    )
    Receipt.objects.create(
        accountability=accountability,
        file="funding/receipts/demo.pdf",
        description=f"Factuur aan {MARKER_NAME}, {MARKER_POSTCODE}",
        amount=Decimal("1234.56"),
    )
    Application.objects.filter(pk=award.pk).update(
        grant=Application.Grant.RECLAIMED,
        reclaimed_amount=award.awarded - Decimal("1234.56"),
        settled_amount=Decimal("1234.56"),
        settlement=f"Terug, zegt {MARKER_NAME}.",
    )


def _markers_in(text: str) -> list[str]:
    return [marker for marker in (*PRIVATE_MARKERS, MARKER_IBAN) if marker in text]


# --- Every route of the URLconf, requested as an anonymous visitor ----------------------------
#
# The routes come from the URLconf itself, so a new page or API endpoint is scanned without
# anyone remembering to add it: a route with parameters needs sample values below, and the test
# fails for a route that has none.

FORMATS = ("csv", "xlsx")


def _routes() -> list[tuple[str, str | None]]:
    """(route, name) of every URL pattern, the admin's included."""
    return [(route, name) for route, _, name in url_patterns()]


def _samples() -> dict[str, list[dict]]:
    """Sample URL arguments per route name, from the demo data: every public object where the
    route shows one, one sample where the route is for owners, officers or staff only."""
    visible = list(Initiative.objects.publicly_visible().order_by("pk"))
    public = [{"slug": i.slug} for i in visible]
    one = public[:1]
    needs = list(
        Need.objects.filter(initiative__in=visible).select_related("initiative").order_by("pk")
    )
    open_needs = [
        {"slug": n.initiative.slug, "pk": n.pk}
        for n in needs
        if n.status == Need.Status.OPEN and n.initiative.status == Initiative.Status.PUBLISHED
    ]
    reports = ActivityReport.objects.filter(initiative__in=visible).order_by("initiative", "month")
    months = {r.initiative.slug: r.month for r in reports.select_related("initiative")}
    municipalities = list(
        Municipality.objects.filter(initiatives__in=visible).distinct().order_by("code")
    )
    districts = list(District.objects.filter(initiatives__in=visible).distinct().order_by("code"))
    buurten = list(
        Neighbourhood.objects.filter(initiatives__in=visible)
        .select_related("district__municipality")
        .distinct()
        .order_by("code")
    )
    provinces = list(Province.objects.order_by("code"))
    members = [{"slug": m.slug} for m in directory_members()]
    application = Application.objects.select_related("initiative").order_by("pk").first()
    receipt = Receipt.objects.select_related("accountability__application__initiative").first()
    receipt_of = receipt.accountability.application
    application = (
        Application.objects.select_related("initiative", "round__fund").order_by("pk").first()
    )
    batch = PaymentBatch.objects.values_list("pk", flat=True).first() or 1
    partners = list(Partner.objects.order_by("pk"))
    partner = [{"slug": partners[0].slug}]
    offer = Offer.objects.filter(partner=partners[0]).first()
    grant = PartnerStaff.objects.filter(partner=partners[0]).first()
    area_codes = [p.code for p in provinces] + [m.code for m in municipalities]
    area_codes += [d.code for d in districts] + [b.code for b in buurten]
    return {
        "initiative_detail": public,
        "handprint_statement": public,
        "api_initiative": public,
        "api_initiative_needs": public,
        "api_initiative_activity": public,
        "api_initiative_activity_questions": public,
        "api_initiative_activities": public,
        "api_initiative_handprint": public,
        "api_initiative_activity_month": [
            {"slug": slug, "month": f"{month:%Y-%m}"} for slug, month in months.items()
        ],
        "help_offer": open_needs,
        "api_initiative_need": [{"slug": n.initiative.slug, "pk": n.pk} for n in needs],
        "initiative_export": [{"fmt": fmt} for fmt in FORMATS],
        "initiative_edit": one,
        "initiative_submit": one,
        "initiative_archive": one,
        "need_create": one,
        "initiative_activity": one,
        "owner_invite": one,
        "photo_upload": one,
        "initiative_activities": one,
        "need_close": open_needs[:1],
        "photo_delete": [{**one[0], "pk": 1}],
        "moderate": [{**one[0], "action": "publish"}],
        "owner_invitation_accept": [{"token": "geen-echte-uitnodiging"}],
        "report_reminders_set": one,
        "report_reminders_optout": [{"token": "geen-echt-token"}],
        "api_token_revoke": [{"token_id": 1}],
        # The applicants' and fund managers' pages (signed in only): one demo application.
        "funding_apply": one,
        "funding_application_new": [{**one[0], "round_pk": application.round_id}],
        "funding_application": [{"slug": application.initiative.slug, "pk": application.pk}],
        "funding_application_withdraw": [
            {"slug": application.initiative.slug, "pk": application.pk}
        ],
        "funding_manage_application": [{"pk": application.pk}],
        "funding_manage_extend": [{"pk": application.pk}],
        "funding_accountability": [{"slug": receipt_of.initiative.slug, "pk": receipt_of.pk}],
        "funding_receipt": [
            {"slug": receipt_of.initiative.slug, "pk": receipt_of.pk, "receipt_pk": receipt.pk}
        ],
        "funding_manage_accountability": [{"pk": receipt_of.pk}],
        "funding_manage_reclaim": [{"pk": receipt_of.pk}],
        # Committee rounds: fund managers' and committee members' pages (signed in only).
        "funding_round_edit": [{"pk": application.round_id}],
        "funding_round_criteria": [{"pk": application.round_id}],
        "funding_round_committee": [{"pk": application.round_id}],
        "funding_round_committee_revoke": [{"pk": application.round_id, "member_pk": 1}],
        "funding_round_reviews": [{"pk": application.round_id}],
        "funding_committee_round": [{"pk": application.round_id}],
        "funding_review": [{"pk": application.pk}],
        "funding_review_conflict": [{"pk": application.pk}],
        # Payments and reports (fund managers only): the demo round; a batch may not exist.
        "funding_payments": [{"pk": application.round_id}],
        "funding_batch": [{"pk": batch}],
        "funding_batch_file": [{"pk": batch, "fmt": fmt} for fmt in ("xml", "csv")],
        "funding_round_report": [{"pk": application.round_id}],
        "funding_round_report_file": [{"pk": application.round_id, "fmt": f} for f in FORMATS],
        "funding_fund_report": [{"slug": application.round.fund.slug}],
        "funding_fund_report_file": [
            {"slug": application.round.fund.slug, "fmt": f} for f in FORMATS
        ],
        # Matches (signed-in sides only) and the visitor's link (the token is the key).
        "exchange_match": [{"pk": 1}],
        "exchange_match_action": [{"pk": 1, "action": "bericht"}],
        "exchange_match_ask": [{"offer_pk": 1}],
        "exchange_match_offer": [{"need_pk": n["pk"]} for n in open_needs[:1]],
        "exchange_match_from_help_offer": [{"pk": 1}],
        "exchange_helper_entry": [{"token": "geen-echt-token"}],
        "exchange_helper_action": [{"action": "bericht"}],
        "method_version": [
            {"code": c} for c in MethodVersion.objects.values_list("code", flat=True)
        ],
        "method_download": [
            {"code": c, "fmt": fmt}
            for c in MethodVersion.objects.values_list("code", flat=True)
            for fmt in ("json", "csv")
        ],
        "api_method": [{"code": c} for c in MethodVersion.objects.values_list("code", flat=True)],
        "province_detail": [{"code": p.code} for p in provinces],
        "province_export": [{"code": p.code, "fmt": f} for p in provinces[:3] for f in FORMATS],
        "municipality_detail": [{"code": m.code} for m in municipalities],
        "municipality_export": [
            {"code": m.code, "fmt": f} for m in municipalities for f in FORMATS
        ],
        "district_detail": [
            {"municipality": d.municipality.code, "code": d.code} for d in districts
        ],
        "district_export": [
            {"municipality": d.municipality.code, "code": d.code, "fmt": f}
            for d in districts
            for f in FORMATS
        ],
        "neighbourhood_detail": [
            {
                "municipality": b.district.municipality.code,
                "district": b.district.code,
                "code": b.code,
            }
            for b in buurten
        ],
        "member_detail": members,
        "api_member": members,
        "api_municipality": [{"code": m.code} for m in municipalities],
        "api_district": [{"code": d.code} for d in districts],
        "api_neighbourhood": [{"code": b.code} for b in buurten],
        "api_opendata_json": [{"code": m.code} for m in municipalities],
        "api_opendata_csv": [{"code": m.code} for m in municipalities],
        "api_area": [{"code": code} for code in area_codes],
        # Counts and place names only: a few areas of each level are enough.
        "api_exchange_figures_area": [
            {"code": place.code}
            for place in (*provinces[:1], *municipalities[:3], *districts[:3], *buurten[:1])
        ],
        # The exchange: every partner (only approved ones answer), and one partner's own
        # pages (its staff only).
        "exchange_partner": [{"slug": p.slug} for p in partners],
        "api_exchange_partner": [{"slug": p.slug} for p in partners],
        "exchange_partner_manage": partner,
        "exchange_partner_edit": partner,
        "exchange_partner_resubmit": partner,
        "exchange_partner_staff_add": partner,
        "exchange_partner_staff_remove": [{**partner[0], "pk": grant.pk}],
        "exchange_offer_create": partner,
        "exchange_offer_edit": [{**partner[0], "pk": offer.pk}],
        "exchange_offer_close": [{**partner[0], "pk": offer.pk}],
        "exchange_moderate": [{**partner[0], "action": "schorsen"}],
        "account_confirm_email": [{"key": "geen-echte-sleutel"}],
        "account_reset_password_from_key": [{"uidb36": "1", "key": "geen-echte-sleutel"}],
    }


def _with_filters(municipality: str, theme: str) -> dict[str, list[str]]:
    """Extra query strings for the lists: every filter, and a second page."""
    return {
        "initiative_list": [
            f"?municipality={municipality}",
            "?province=PV27",
            f"?theme={theme}",
            "?sdg=11",
            "?need=volunteers",
            "?kind=garden",
            "?q=buurt",
            "?page=2",
        ],
        "member_list": ["?page=2", "?province=PV27"],
        "home": [f"?gemeente={municipality}", "?gemeente=GM9999"],
        "api_initiatives": [
            f"?municipality={municipality}",
            f"?theme={theme}",
            "?sdg=11",
            "?need=volunteers",
            "?q=buurt",
            "?page=2",
        ],
        "api_districts": [f"?municipality={municipality}"],
        "api_neighbourhoods": [f"?municipality={municipality}"],
        "api_members": ["?page=2"],
        "exchange_offers": [
            f"?municipality={municipality}",
            "?province=PV27",
            "?category=hands",
            "?need=volunteers",
            "?kind=housing",
            "?q=handen",
        ],
        "exchange_partners": [f"?municipality={municipality}", "?category=space"],
        "api_exchange_offers": [f"?municipality={municipality}", "?q=handen"],
        "api_exchange_partners": [f"?municipality={municipality}"],
    }


# Routes no anonymous request can reach, with why; the test checks they really refuse.
NOT_SCANNED = {
    None: "uploaded files: scanned file by file in test_no_uploaded_file_shows_private_data",
    "set_language": "POST only: sets the language cookie",
    "language_switch": (
        "a redirect that sets the language cookie, no page of its own "
        "(test_public_pages_anonymous.py); scanning it would switch the scan to English"
    ),
}


def _text_of(response) -> str:
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if "spreadsheetml" in response.get("Content-Type", ""):
        sheets = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(value)
            for sheet in sheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return body.decode("utf-8", errors="replace")


@pytest.mark.slow
def test_no_public_page_or_api_response_shows_private_demo_data(client, demo):
    samples = _samples()
    municipality = samples["municipality_detail"][0]["code"]
    theme = Theme.objects.order_by("pk").values_list("slug", flat=True).first()
    extra = _with_filters(municipality, theme)
    scanned: dict[str, list[str]] = {"pages": [], "api": []}
    refused, leaks, errors, missing = [], {}, {}, []
    requested_routes = set()
    for route, name in _routes():
        if route.startswith(settings.ADMIN_URL):
            continue  # checked below: the admin refuses anonymous visitors
        if name in NOT_SCANNED:
            continue
        has_arguments = "<" in route or "(?P<" in route
        if has_arguments and not samples.get(name):
            missing.append(name or route)
            continue
        urls = [reverse(name, kwargs=kwargs) for kwargs in samples[name]] if has_arguments else []
        if not has_arguments:
            urls = [reverse(name)] + [reverse(name) + query for query in extra.get(name, [])]
        requested_routes.add(name)
        for url in urls:
            throttle_history_clear()  # a scan of hundreds of API responses is no abuse
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
            if response.status_code == 500:
                errors[url] = response.status_code
            if response.status_code != 200:
                refused.append(url)
                continue
            scanned["api" if url.startswith("/api/") else "pages"].append(url)
            found = _markers_in(_text_of(response))
            if found:
                leaks[url] = found
    assert missing == [], "routes without sample values: add them to _samples()"
    assert errors == {}
    assert leaks == {}
    # The scan really covers the public site: every public route answered with content.
    answered = {resolve(url.split("?")[0]).url_name for url in scanned["pages"] + scanned["api"]}
    assert answered >= PUBLIC_ROUTES, PUBLIC_ROUTES - answered
    assert len(scanned["pages"]) >= 150 and len(scanned["api"]) >= 300, {
        kind: len(urls) for kind, urls in scanned.items()
    }
    print(  # noqa: T201 - the figures the privacy report quotes (pytest -s)
        f"scanned {len(scanned['pages'])} pages and {len(scanned['api'])} API responses "
        f"of {len(requested_routes)} routes; {len(refused)} requests refused anonymously"
    )


def test_the_admin_and_owner_pages_refuse_anonymous_visitors(client, demo):
    admin_pages = [
        f"/{route}"
        for route, _name in _routes()
        if route.startswith(settings.ADMIN_URL) and not set("<^(") & set(route)
    ]
    assert len(admin_pages) > 20
    for url in admin_pages:
        assert client.get(url).status_code in (302, 403, 405), url
    for name in (
        "mine",
        "api_tokens",
        "my_data",
        "my_data_download",
        "account_delete",
        "exchange_matches",
    ):
        assert client.get(reverse(name)).status_code == 302, name


# Routes that must answer an anonymous visitor with content (not a redirect or a refusal).
PUBLIC_ROUTES = {
    "home",
    "initiative_list",
    "initiative_detail",
    "handprint_statement",
    "help_offer",
    "method",
    "method_version",
    "method_download",
    "province_detail",
    "province_export",
    "municipality_detail",
    "municipality_export",
    "district_detail",
    "district_export",
    "neighbourhood_detail",
    "member_list",
    "member_detail",
    "privacy",
    "terms",
    "accessibility",
    "account_login",
    "account_signup",
    "account_reset_password",
    "api_initiatives",
    "api_initiative",
    "api_initiative_needs",
    "api_initiative_need",
    "api_initiative_handprint",
    "api_initiative_activities",
    "api_municipalities",
    "api_municipality",
    "api_districts",
    "api_district",
    "api_neighbourhoods",
    "api_neighbourhood",
    "api_members",
    "api_member",
    "api_opendata_json",
    "api_opendata_csv",
    "api_sdgs",
    "api_area",
    "api_methods",
    "api_method",
    "api_schema",
    "api_docs",
    "exchange_home",
    "exchange_offers",
    "exchange_partners",
    "exchange_partner",
    "api_exchange_partners",
    "api_exchange_partner",
    "api_exchange_offers",
    # The list's CSV and XLSX export, read cell by cell like the area exports above.
    "initiative_export",
    "exchange_figures",
    "api_exchange_figures",
    "api_exchange_figures_area",
}


def test_the_markers_are_really_in_the_data_the_scan_looks_for(client, demo):
    # Given a staff member, who may see contact details
    client.force_login(User.objects.get(email=LOGINS["staff"]))
    initiative = Initiative.objects.published().first()
    html = client.get(initiative.get_absolute_url()).content.decode()
    # Then the same scan finds the markers: a leak would not go unnoticed.
    assert set(_markers_in(html)) >= {"prive-marker.invalid", "+31 6 9999"}


def test_the_exchange_demo_puts_markers_in_what_is_private(demo):
    # The scan above would notice a partner's staff or a match message on a public page.
    assert MatchMessage.objects.filter(body__contains=MARKER_MESSAGE).count() >= 14
    staff = User.objects.filter(partner_grants__isnull=False)
    assert staff.exists() and not staff.exclude(full_name__startswith=MARKER_NAME).exists()


def test_only_the_story_of_an_accountability_is_public(client, demo):
    award = Application.objects.get(
        grant=Application.Grant.RECLAIMED, accountability__story="De cursus is gegeven."
    )
    profile = client.get(award.initiative.get_absolute_url()).content.decode()
    assert "De cursus is gegeven." in profile and _markers_in(profile) == []
    assert "1.234" not in profile and "1234" not in profile  # neither spent nor settled

    client.force_login(User.objects.get(email=FUND_MANAGER_LOGIN))
    page = client.get(reverse("funding_manage_accountability", args=[award.pk])).content.decode()
    assert set(_markers_in(page)) >= {MARKER_NAME, MARKER_POSTCODE}


def test_the_markers_are_really_in_the_exports_the_scan_reads(client, demo):
    # Given a staff member, whose export has the contact columns
    client.force_login(User.objects.get(email=LOGINS["staff"]))
    for fmt in FORMATS:
        response = client.get(reverse("initiative_export", kwargs={"fmt": fmt}))
        # Then the scan's reading of the file finds the markers
        assert set(_markers_in(_text_of(response))) >= {"prive-marker.invalid"}, fmt


# --- Every uploaded file, requested as an anonymous visitor -----------------------------------


def _jpeg_telling_secrets() -> bytes:
    """A photo whose metadata and comment hold private data, as a phone camera's may."""
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = f"{MARKER_NAME} thuis"
    exif[ExifTags.Base.Artist] = f"{MARKER_NAME} {MARKER_PHONE}"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (40, 160, 60)).save(
        buffer, format="JPEG", exif=exif.tobytes(), comment=MARKER_POSTCODE.encode()
    )
    return buffer.getvalue()


def _member_import_file() -> bytes:
    rows = [
        "naam;type;gemeentecode;postcode;contactpersoon;e-mail;telefoon",
        f"Buurtvereniging;bewonersgroep;GM0363;{MARKER_POSTCODE};{MARKER_NAME};"
        f"jan@{MARKER_DOMAIN};{MARKER_PHONE}12345",
    ]
    return "\n".join(rows).encode()


def _lsa_staff() -> User:
    # The group is made again if a transactional test flushed it.
    group, _ = Group.objects.get_or_create(name=LSA_STAFF_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="members"))
    user = UserFactory(is_staff=True)
    user.groups.add(group)
    return user


def _upload_every_kind_of_file(client, monkeypatch) -> None:
    """A member import, an initiative photo and a member photo, each uploaded where and as
    the site takes them, each full of private data."""
    monkeypatch.setattr(member_tasks.member_import_check, "delay", lambda job_id: None)
    client.force_login(_lsa_staff())
    response = client.post(
        reverse("members_import"),
        {"file": SimpleUploadedFile("leden.csv", _member_import_file(), "text/csv")},
    )
    assert response.status_code == 302
    organisation = MemberOrganisationFactory()
    form = MemberOrganisationAdminForm(
        model_to_dict(organisation, fields=MemberOrganisationAdminForm._meta.fields),
        {"photo": SimpleUploadedFile("markeerpersoon.jpg", _jpeg_telling_secrets())},
        instance=organisation,
    )
    form.save()
    owner = UserFactory()
    initiative = InitiativeFactory(published=True, owner=owner)
    client.force_login(owner)
    response = client.post(
        reverse("photo_upload", args=[initiative.slug]),
        {"image": SimpleUploadedFile("tuin.jpg", _jpeg_telling_secrets()), "alt_text": "Tuin"},
    )
    assert response.status_code == 302
    client.logout()


def test_no_uploaded_file_shows_private_data(client, db, settings, tmp_path, monkeypatch):
    # Given uploads of every kind, public and private
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    _upload_every_kind_of_file(client, monkeypatch)
    roots = [tmp_path / "media", tmp_path / "private"]
    files = [
        p.relative_to(root).as_posix() for root in roots for p in root.rglob("*") if p.is_file()
    ]

    # When an anonymous visitor requests each stored file by its name under MEDIA_URL
    served, leaks = [], {}
    for name in files:
        response = client.get(f"{settings.MEDIA_URL}{name}")
        if response.status_code != 200:
            continue
        served.append(name)
        found = _markers_in(b"".join(response.streaming_content).decode("latin-1"))
        if found:
            leaks[name] = found

    # Then nothing served carries private data, and the scan really read files: the photos
    assert leaks == {}
    assert len(files) == 4 and len(served) == 3, (files, served)


def test_logged_in_residents_do_not_see_other_initiatives_private_data(client, demo):
    client.force_login(User.objects.get(email=LOGINS["resident"]))
    not_theirs = Initiative.objects.published().exclude(ownerships__user__email=LOGINS["resident"])
    for initiative in not_theirs[:20]:
        html = client.get(initiative.get_absolute_url()).content.decode()
        assert _markers_in(html) == [], initiative.slug


def test_every_demo_template_declares_activities_of_the_current_method(reference_data):
    version = current_version()
    known = set(version.activities.values_list("activity__code", flat=True))
    for _kind, pattern, *_rest in TEMPLATES:
        always, some = demo_activities_for(pattern.format(place="Zuid"))
        assert always, pattern
        assert set(always + some) <= known, pattern


def test_committee_members_never_see_payees_ibans_or_applicants(client, demo):
    # Given every submitted demo application (payees and IBANs carry the markers) in a
    # committee round, and one of its committee members
    round_ = make_committee_round()
    shown = Application.objects.exclude(
        status__in=[Application.Status.DRAFT, Application.Status.WITHDRAWN]
    )
    moved = shown.update(round=round_, reserved=0)
    assert moved >= 3
    client.force_login(committee_member_of(round_))
    # When they read their committee pages and every application
    pages = ["/mijn/commissie/", f"/mijn/commissie/rondes/{round_.pk}/"]
    pages += [
        f"/mijn/commissie/aanvragen/{pk}/"
        for pk in round_.applications.values_list("pk", flat=True)
    ]
    leaks = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found = _markers_in(response.content.decode())
        if found:
            leaks[url] = found
    # Then no payee, IBAN, name or address of anyone shows
    assert leaks == {}


# --- Payments (issue #21): IBANs and payees stay with the fund's managers ------------------


def test_a_paid_award_shows_no_payee_or_iban_in_public_and_its_bank_files_only_to_managers(
    client,
):
    # Given an award paid through a batch, to a payee named like a person
    round_ = fund_account(make_round())
    manager = manager_of(round_)
    paid = award(round_, manager=manager, payee_name="Geheime Penningmeester", iban=MARKER_IBAN)
    batch = payment_batch_create(
        user=manager, round_=round_, applications=[paid], execution_date=timezone.localdate()
    )
    payment_batch_mark_paid(user=manager, batch=batch, paid_on=batch.execution_date)

    # Then the public register, the profile and the API show neither
    for url in (
        "/regelingen/",
        paid.initiative.get_absolute_url(),
        "/api/v1/funding/awards/",
        "/api/v1/funding/awards.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text_of(response)
        assert MARKER_IBAN not in text and "Geheime Penningmeester" not in text, url

    # And the bank files are the fund's managers' alone: not even the applicant's
    files = [f"/mijn/regelingen/betalingen/{batch.pk}/betaalopdracht.{f}" for f in ("xml", "csv")]
    assert all(client.get(url).status_code == 302 for url in files)  # to the login
    for someone in (paid.created_by, UserFactory(), manager_of(make_round())):
        client.force_login(someone)
        assert [client.get(url).status_code for url in files] == [404, 404]
    client.force_login(manager)
    assert all(MARKER_IBAN in _text_of(client.get(url)) for url in files)
