"""What a new method version changed: the comparison (pure), the profile and area sections, the
owners' mail once per initiative and version, and the staff preview of a draft version."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from impact.changes import (
    ADDED,
    CHANGED,
    REMOVED,
    Figures,
    area_changes,
    area_handprint_pair,
    compare,
    initiative_changes,
)
from impact.method_admin import method_version_copy
from impact.models import (
    AreaHandprint,
    Indicator,
    IndicatorQuantity,
    MethodActivity,
    MethodChangeMail,
    MethodIndicator,
    MethodVersion,
)
from impact.recompute import recompute_all, recompute_if_due
from impact.scoring import month_add
from impact.services import (
    areas_refresh,
    handprint_inputs_changed,
    handprint_recompute,
    method_change_mails_send,
    partner_hours_set,
)
from impact.tasks import method_change_mails_daily
from impact.templatetags.method_numbers import euro_change
from initiatives.models import ActivityReport, Initiative, InitiativeGoal
from outbox.models import OutgoingMail
from tests.factories import InitiativeFactory, UserFactory
from tests.method_publishing import method_keeper

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
D = Decimal


def _figures(total: str, sdgs: dict[int, str], lines: dict[str, str | None]) -> Figures:
    return Figures(
        total={"low": D(total), "central": D(total), "high": D(total)},
        sdgs={goal: D(value) for goal, value in sdgs.items()},
        lines=[
            {"indicator": code, "value": {"central": value} if value else None}
            for code, value in lines.items()
        ],
    )


# --- The comparison (pure) -------------------------------------------------------------------


def test_compare_says_which_lines_added_removed_or_changed_value_biggest_first():
    old = _figures(
        "150", {3: "100", 11: "50"}, {"hours": "100", "meals": "50", "kwh": None, "same": "7"}
    )
    new = _figures("230", {3: "120", 13: "110"}, {"hours": "120", "repairs": "110", "same": "7"})

    result = compare(old, new)

    assert result.difference == D(80)
    assert [(s.goal, s.old, s.new, s.difference) for s in result.sdgs] == [
        (3, D(100), D(120), D(20)),
        (11, D(50), D(0), D(-50)),
        (13, D(0), D(110), D(110)),
    ]
    assert [(c.indicator, c.status, c.difference) for c in result.lines] == [
        ("repairs", ADDED, D(110)),
        ("meals", REMOVED, D(-50)),
        ("hours", CHANGED, D(20)),
    ]


def test_a_line_counted_in_another_one_adds_no_value_in_the_comparison():
    old = Figures({"central": D(0)}, {}, [{"indicator": "meetings", "value": {"central": "9"}}])
    new = Figures(
        {"central": D(0)},
        {},
        [{"indicator": "meetings", "value": {"central": "9"}, "counted_in": "repairs"}],
    )
    [change] = compare(old, new).lines
    assert (change.indicator, change.status, change.new) == ("meetings", REMOVED, None)


# --- Stored results of the two versions ------------------------------------------------------


def _last_month(today: datetime.date) -> datetime.date:
    return month_add(today.replace(day=1), -1)


def _reported(
    initiative: Initiative,
    today: datetime.date,
    *,
    repairs: int = 100,
    partner_hours: int = 10,
) -> None:
    """100 volunteer hours (valued alike by every version), repairs (valued from 2027.1 on) and
    10 partner hours from the exchange (valued from 2027.2 on)."""
    month = _last_month(today)
    InitiativeGoal.objects.get_or_create(initiative=initiative, goal_id=11, position=1)
    ActivityReport.objects.create(
        initiative=initiative,
        month=month,
        volunteer_hours=D(100),
        active_volunteers=3,
        people_reached=20,
    )
    if repairs:
        IndicatorQuantity.objects.create(
            initiative=initiative,
            indicator=Indicator.objects.get(code="repairs"),
            month=month,
            quantity=D(repairs),
        )
    partner_hours_set(initiative_id=initiative.pk, month=month, hours=D(partner_hours))


def _computed(initiative: Initiative, today: datetime.date | None = None) -> None:
    handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk, today=today) == "computed"


@pytest.fixture
def changed(settings, initiative):
    settings.HANDPRINT_QUIET_SECONDS = 0
    _reported(initiative, datetime.date.today())
    _computed(initiative)
    return initiative


@pytest.mark.django_db
def test_initiative_changes_compares_both_versions_stored_results(changed):
    changes = initiative_changes(changed)

    assert (changes["current"].code, changes["previous"].code) == ("2027.2", "2027.1")
    # 100 hours × € 14.71 and 100 repairs × € 0.065; then 10 partner hours × € 14.71 more
    assert changes["old"]["central"] == D("1477.50")
    assert changes["new"]["central"] == D("1624.60")
    [group] = changes["groups"]
    [line] = group["lines"]
    assert (line["status"], line["old"]) == (ADDED, None)
    assert line["name"] == Indicator.objects.get(code="partner_hours").name
    assert line["difference"] == changes["difference"]
    assert {row["goal"].number for row in changes["sdgs"]} >= {11}


@pytest.mark.django_db
def test_changed_lines_are_grouped_under_the_declared_activity_that_reports_them(
    initiative, settings
):
    settings.HANDPRINT_QUIET_SECONDS = 0
    # On the day 2027.1 became current: it values the repairs, 2026.1 before it did not
    day = MethodVersion.objects.get(code="2027.1").valid_from
    activity = (
        MethodActivity.objects.filter(version__code="2027.1", indicator_codes__contains=["repairs"])
        .select_related("activity")
        .first()
        .activity
    )
    initiative.activities.create(activity=activity)
    _reported(initiative, day)
    _computed(initiative, day)

    groups = initiative_changes(initiative, today=day)["groups"]

    assert [group["activity"] for group in groups] == [activity]
    assert [line["status"] for line in groups[0]["lines"]] == [ADDED]


@pytest.mark.django_db
def test_no_comparison_without_the_previous_versions_result(changed):
    previous = MethodVersion.objects.get(code="2027.1")
    changed.handprint_results.filter(version=previous).delete()
    assert initiative_changes(changed) is None


@pytest.mark.django_db
def test_profile_shows_what_changed_with_a_link_to_the_method_page(client, changed):
    html = client.get(changed.get_absolute_url()).content.decode()

    assert "Wat veranderde met methode 2027.2" in html
    assert 'met methode 2027.1: <span class="money">€ 1.478</span>' in html
    assert "Uren van partners" in html.split('id="changed-initiative"')[1]
    assert 'href="/methode/2027.2/#versies"' in html
    assert 'scope="rowgroup"' in html


@pytest.mark.django_db
def test_the_profile_costs_the_same_queries_with_one_or_many_changes(client, settings):
    settings.HANDPRINT_QUIET_SECONDS = 0
    today = datetime.date.today()
    few, many = InitiativeFactory(published=True), InitiativeFactory(published=True)
    _reported(few, today)
    _reported(many, today)
    for goal, position in ((3, 2), (13, 3), (7, 4)):
        InitiativeGoal.objects.create(initiative=many, goal_id=goal, position=position)
    for code in ("shared_energy_kwh", "meals_served", "waste_collected_kg"):
        IndicatorQuantity.objects.create(
            initiative=many,
            indicator=Indicator.objects.get(code=code),
            month=_last_month(today),
            quantity=D(10),
        )
    _computed(few)
    _computed(many)

    def queries(initiative: Initiative) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(initiative.get_absolute_url()).status_code == 200
        return len(context)

    assert len(initiative_changes(many)["sdgs"]) > len(initiative_changes(few)["sdgs"])
    assert queries(many) == queries(few)


# --- Areas ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_area_aggregates_are_kept_for_both_versions_and_compared(client, changed):
    assert areas_refresh() == "computed"
    code = changed.municipality_id
    versions = set(AreaHandprint.objects.filter(area_code=code).values_list("version__code"))
    assert versions == {("2027.1",), ("2027.2",)}

    changes = area_changes(code)

    assert changes["old"]["central"] == D("1477.50")
    assert changes["difference"] == initiative_changes(changed)["difference"]
    assert changes["groups"] == []
    html = client.get(f"/gemeenten/{code}/").content.decode()
    assert 'id="changed-area"' in html and "Wat veranderde met methode 2027.2" in html


@pytest.mark.django_db
def test_area_page_without_the_previous_versions_aggregate_shows_no_comparison(client, changed):
    areas_refresh()
    AreaHandprint.objects.filter(version__code="2027.1").delete()
    assert area_changes(changed.municipality_id) is None
    html = client.get(f"/gemeenten/{changed.municipality_id}/").content.decode()
    assert 'id="changed-area"' not in html


@pytest.mark.django_db
def test_the_area_pair_is_the_current_versions_aggregate_and_the_previous_one(changed):
    areas_refresh()
    code = changed.municipality_id

    with CaptureQueriesContext(connection) as queries:
        current, previous = area_handprint_pair(code)

    assert len(queries) == 1
    assert (current.version.code, previous.version.code) == ("2027.2", "2027.1")
    assert current.value_central > previous.value_central == D("1477.50")


@pytest.mark.django_db
def test_an_area_with_only_the_previous_versions_aggregate_shows_no_handprint(client, changed):
    # Until the current version's aggregate is computed the page must not show the old one.
    areas_refresh()
    code = changed.municipality_id
    AreaHandprint.objects.filter(area_code=code, version__code="2027.2").delete()

    current, previous = area_handprint_pair(code)
    assert current is None and previous.version.code == "2027.1"
    assert area_changes(code) is None
    html = client.get(f"/gemeenten/{code}/").content.decode()
    assert 'id="changed-area"' not in html and "handprint-amount" not in html


# --- The owners' mail ------------------------------------------------------------------------


@pytest.fixture
def queued_mail(settings):
    # The real outbox: each mail is a row in the database, queued in the sender's transaction.
    settings.EMAIL_BACKEND = "outbox.backends.QueuedEmailBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()


@pytest.mark.django_db
def test_on_the_valid_from_date_owners_get_one_mail_per_initiative_after_the_recompute(
    queued_mail, settings
):
    settings.HANDPRINT_QUIET_SECONDS = 0
    version = MethodVersion.objects.get(code="2027.1")
    day = version.valid_from
    owner, co_owner, other = UserFactory(), UserFactory(), UserFactory()
    mine = InitiativeFactory(published=True, owner=owner)
    mine.ownerships.create(user=co_owner)
    theirs = InitiativeFactory(published=True, owner=other)
    draft = InitiativeFactory(owner=UserFactory())
    orphan = InitiativeFactory(published=True)
    silent = InitiativeFactory(published=True, owner=UserFactory())
    for initiative in (mine, theirs, draft, orphan):
        _reported(initiative, day)

    with time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 30), AMSTERDAM)):
        # Before the recompute of the new window finished, nothing is sent
        assert method_change_mails_send(today=day) == 0
        recompute_if_due(today=day)

        # When the daily task runs twice
        first, second = method_change_mails_daily(), method_change_mails_daily()

    # Then each owner of a published initiative with figures got exactly one mail
    assert (first, second) == (2, 0)
    sent = OutgoingMail.objects.order_by("to")
    assert sorted(m.to[0] for m in sent) == sorted([owner.email, co_owner.email, other.email])
    assert set(
        MethodChangeMail.objects.filter(version=version).values_list("initiative", flat=True)
    ) == {mine.pk, theirs.pk}
    assert not MethodChangeMail.objects.filter(initiative__in=[draft, orphan, silent]).exists()
    message = sent.filter(to=[owner.email]).get()
    assert mine.name in message.subject and "2027.1" in message.subject
    assert "met methode 2027.1: € 1.478" in message.body
    assert "met methode 2026.1: € 1.471" in message.body
    assert "Geslaagde reparaties: nieuw gewaardeerd" in message.body
    assert mine.get_absolute_url() in message.body and "/methode/2027.1/#versies" in message.body
    assert co_owner.email not in message.body


@pytest.mark.django_db
def test_no_mail_where_the_new_version_changed_nothing(queued_mail):
    # 2027.2 values only partner hours: an initiative without them keeps its figures
    day = MethodVersion.objects.get(code="2027.2").valid_from
    helped, unchanged = UserFactory(), UserFactory()
    _reported(InitiativeFactory(published=True, owner=helped), day)
    _reported(InitiativeFactory(published=True, owner=unchanged), day, partner_hours=0)

    with time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 30), AMSTERDAM)):
        recompute_if_due(today=day)
        assert method_change_mails_send(today=day) == 1

    [message] = OutgoingMail.objects.all()
    assert message.to == [helped.email]
    assert "Uren van partners: nieuw gewaardeerd" in message.body


@pytest.mark.django_db
def test_no_mail_while_the_previous_versions_recompute_has_not_finished(queued_mail, settings):
    settings.HANDPRINT_QUIET_SECONDS = 0
    version = MethodVersion.objects.get(code="2027.1")
    day = version.valid_from
    _reported(InitiativeFactory(published=True, owner=UserFactory()), day)
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 30), AMSTERDAM)):
        recompute_all(version=version, today=day)
        assert method_change_mails_send(today=day) == 0
        recompute_all(version=MethodVersion.objects.get(code="2026.1"), today=day)
        assert method_change_mails_send(today=day) == 1
    assert OutgoingMail.objects.count() == 1


@pytest.mark.django_db
def test_no_mail_long_after_the_valid_from_date_nor_without_a_previous_version(queued_mail):
    version = MethodVersion.objects.get(code="2027.1")
    assert method_change_mails_send(today=version.valid_from + datetime.timedelta(days=40)) == 0
    assert method_change_mails_send(today=datetime.date(2026, 3, 1)) == 0  # 2026.1 came first
    assert not OutgoingMail.objects.exists()


# --- The staff preview of a draft version ----------------------------------------------------


@pytest.fixture
def draft(db) -> MethodVersion:
    """A draft of 2027.1 valuing a volunteer hour at € 50 flat."""
    version = method_version_copy(version=MethodVersion.objects.get(code="2027.1"), user=None)
    MethodIndicator.objects.filter(version=version, indicator__code="volunteer_hours").update(
        price_rule=MethodIndicator.PriceRule.DIRECT,
        price_codes=[],
        conversion_codes=[],
        unit_value_low=D(50),
        unit_value_central=D(50),
        unit_value_high=D(50),
        value_source="Test",
    )
    return version


@pytest.mark.django_db
def test_staff_preview_a_draft_version_beside_the_current_one_privately(client, changed, draft):
    client.force_login(method_keeper())

    response = client.get(changed.get_absolute_url(), {"methode": draft.code})

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    preview = html.split('id="changed-preview"')[1].split("</section>")[0]
    assert f"Voorbeeld met methode {draft.code} (niet gepubliceerd)" in preview
    assert "€ 5.000" in preview  # 100 hours × € 50


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "owner", "resident"])
def test_anyone_else_gets_the_normal_profile_without_the_drafts_figures(
    client, changed, draft, owner, who
):
    if who == "owner":
        client.force_login(owner)
    elif who == "resident":
        client.force_login(UserFactory())

    response = client.get(changed.get_absolute_url(), {"methode": draft.code})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="changed-preview"' not in html and "€ 5.000" not in html
    assert "Voorbeeld met methode" not in html and "Er is geen methodeversie" not in html
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["9999.9", "x" * 500, "<b>2027.1</b>"])
def test_staff_asking_for_an_unknown_version_get_a_notice_not_an_error(client, changed, code):
    client.force_login(method_keeper())
    response = client.get(changed.get_absolute_url(), {"methode": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Er is geen methodeversie" in html and "<b>2027.1</b>" not in html


@pytest.mark.django_db
def test_a_nul_byte_in_the_version_is_refused_before_the_view(client, changed):
    client.force_login(method_keeper())
    response = client.get(changed.get_absolute_url(), {"methode": "2027.1\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("value", "shown"),
    [(D("6.50"), "+€ 7"), (D("-1234.4"), "−€ 1.234"), (D(0), "€ 0"), (D("-0.4"), "€ 0")],
)
def test_a_difference_is_shown_in_whole_euros_with_its_sign(value, shown):
    with translation.override("nl"):
        assert euro_change(value) == shown


@pytest.mark.django_db
def test_staff_preview_a_published_version_without_calling_it_unpublished(client, changed):
    client.force_login(method_keeper())
    html = client.get(changed.get_absolute_url(), {"methode": "2026.1"}).content.decode()
    preview = html.split('id="changed-preview"')[1].split("</section>")[0]
    assert "Voorbeeld met methode 2026.1</h3>" in preview
    assert "€ 1.471" in preview
