"""The Social Handprint on the profile: the SVG figure, the figures, the explanation, history."""

import datetime
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses only our own SVG
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation

from impact.figure import BAR_MAX, handprint_svg, label_colour
from impact.models import HandprintResult, HandprintSdg, Indicator, IndicatorQuantity
from impact.scoring import month_add
from impact.selectors import handprint_history
from impact.services import handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, InitiativeGoal
from initiatives.selectors import initiative_for_profile
from sdgs.models import Goal
from tests.factories import InitiativeFactory, UserFactory

SVG = "{http://www.w3.org/2000/svg}"
CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _row(number: int, colour: str, value: str, name: str = "Doel") -> SimpleNamespace:
    goal = SimpleNamespace(number=number, name=name, colour=colour)
    return SimpleNamespace(goal=goal, value_central=Decimal(value))


# --- The figure (pure) -----------------------------------------------------------------------


def test_svg_is_valid_xml_with_title_desc_and_one_bar_per_sdg_in_its_colour():
    rows = [_row(11, "#FD9D24", "1234.50"), _row(3, "#4C9F38", "617.25")]
    with translation.override("nl"):
        svg = handprint_svg(rows, title="Waarde per SDG")
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Waarde per SDG"
    assert "SDG 11" in desc.text and "€ 1.235" in desc.text and "€ 617" in desc.text
    bars = root.findall(f".//{SVG}rect[@class='handprint-bar']")
    assert [bar.get("fill") for bar in bars] == ["#FD9D24", "#4C9F38"]
    assert "style" not in svg


def test_svg_bars_are_sized_by_central_value():
    rows = [_row(7, "#FCC30B", "200"), _row(13, "#3F7E44", "50"), _row(1, "#E5243B", "0")]
    root = _parse(handprint_svg(rows, title="t"))
    widths = [
        int(bar.get("width")) for bar in root.findall(f".//{SVG}rect[@class='handprint-bar']")
    ]
    assert widths == [BAR_MAX, BAR_MAX // 4, 0]


def test_svg_labels_each_bar_with_the_sdg_number_in_a_contrasting_colour():
    root = _parse(handprint_svg([_row(17, "#19486A", "10")], title="t"))
    labels = [t for t in root.iter(f"{SVG}text") if t.text == "17"]
    assert len(labels) == 1 and labels[0].get("fill") == "#ffffff"


def test_the_svg_is_kept_per_process_for_the_same_figures_and_language():
    rows = [_row(11, "#FD9D24", "1234.50"), _row(3, "#4C9F38", "617.25")]
    with translation.override("nl"):
        first = handprint_svg(rows, title="t")
        assert handprint_svg([_row(11, "#FD9D24", "1234.5"), rows[1]], title="t") is first
        changed = handprint_svg([_row(11, "#FD9D24", "2000"), rows[1]], title="t")
        renamed = handprint_svg([_row(11, "#FD9D24", "1234.50", "Steden"), rows[1]], title="t")
    with translation.override("en"):
        english = handprint_svg(rows, title="t")
    assert "€ 2.000" in changed and "€ 2.000" not in first
    assert "Steden" in renamed and "Steden" not in first
    assert "€ 1,235" in english and "€ 1.235" in first


def test_svg_escapes_every_text():
    rows = [_row(1, "#E5243B", "1", name='<script>alert("x")</script>')]
    svg = handprint_svg(rows, title="A & B <i>")
    assert "<script>" not in svg and "<i>" not in svg
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == "A & B <i>"


def test_label_colours_are_the_ones_site_css_uses_for_sdg_badges():
    css = CSS.read_text(encoding="utf-8")
    rules = re.findall(r"\.sdg-(\d+) \{ background: (#\w+); color: (#\w+); \}", css)
    assert len(rules) == 17
    for _number, background, text in rules:
        assert label_colour(background) == text.lower()


@pytest.mark.django_db
def test_goal_colours_are_the_colours_of_the_css_badges():
    css = CSS.read_text(encoding="utf-8")
    rules = dict(re.findall(r"\.sdg-(\d+) \{ background: (#\w+);", css))
    assert {str(g.number): g.colour for g in Goal.objects.all()} == rules


# --- The profile -------------------------------------------------------------------------------


def _months_ago(n: int) -> datetime.date:
    return month_add(datetime.date.today().replace(day=1), -n)


def _report(initiative, months_ago: int, hours: str, volunteers: int, people: int) -> None:  # noqa: ANN001
    ActivityReport.objects.create(
        initiative=initiative,
        month=_months_ago(months_ago),
        volunteer_hours=Decimal(hours),
        active_volunteers=volunteers,
        people_reached=people,
    )


def _recompute(initiative) -> None:  # noqa: ANN001
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"


@pytest.fixture
def computed(settings, owner):
    """A published initiative (SDG 11 primary, SDG 3) with two months reported and computed.

    120 hours × € 9.30 / 14.71 / 20.00 = € 1,116.00 / 1,765.20 / 2,400.00.
    """
    settings.HANDPRINT_QUIET_SECONDS = 0
    initiative = InitiativeFactory(published=True, owner=owner)
    InitiativeGoal.objects.create(initiative=initiative, goal_id=11, position=1)
    InitiativeGoal.objects.create(initiative=initiative, goal_id=3, position=2)
    _report(initiative, 1, "100", 10, 40)
    _report(initiative, 2, "20", 5, 60)
    _recompute(initiative)
    return initiative


def _profile(client, initiative) -> str:  # noqa: ANN001
    response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_profile_shows_the_central_value_with_low_and_high(client, computed):
    html = _profile(client, computed)
    assert re.search(r'class="handprint-amount money">€ 1\.765</span>', html)
    assert '<span class="money">€ 1.116</span>' in html
    assert '<span class="money">€ 2.400</span>' in html
    assert 'href="/methode/#bruto"' in html


def test_profile_shows_hours_and_average_people_with_the_highest_month(client, computed):
    html = _profile(client, computed)
    stats = html.split('class="stats handprint-stats"')[1].split("</dl>")[0]
    values = re.findall(r"<dd>([^<]+)</dd>", stats)
    notes = re.findall(r'<dd class="stats-note">[^<]*?(\d+)</dd>', stats)
    # 120 hours; volunteers (10 + 5) / 2 = 7.5 → 8, highest 10; people (40 + 60) / 2 = 50, 60.
    assert values == ["120", "8", "50"]
    assert notes == ["10", "60"]


def test_profile_table_numbers_equal_the_stored_sdg_rows(client, computed):
    html = _profile(client, computed)
    table = html.split('class="data-table handprint-table"')[1].split("</tbody>")[0]
    rows = re.findall(
        r'sdg-(\d+)">.*?<td class="num">€ ([\d.,]+)</td>\s*'
        r'<td class="num">([\d.,]+)</td>\s*<td class="num">([\d.,]+)</td>',
        table,
        re.S,
    )
    stored = HandprintSdg.objects.filter(
        result__initiative=computed, result__period_kind="rolling12"
    )
    expected = {
        (
            str(s.goal_id),
            f"{s.value_central:.2f}".replace(".", ","),
            f"{s.hours.normalize():f}",
            str(s.people),
        )
        for s in stored
    }
    assert set(rows) == expected == {("11", "882,60", "60", "25"), ("3", "882,60", "60", "25")}


def test_profile_figure_has_a_bar_per_stored_sdg_row(client, computed):
    html = _profile(client, computed)
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    bars = _parse(svg).findall(f".//{SVG}rect[@class='handprint-bar']")
    assert sorted(bar.get("fill") for bar in bars) == ["#4C9F38", "#FD9D24"]


def test_profile_ids_are_unique(client, computed, owner):
    client.force_login(owner)
    ids = re.findall(r'\sid="([^"]+)"', _profile(client, computed))
    assert len(ids) == len(set(ids))


def test_explanation_lists_the_volunteer_hours_line_with_its_unit_values_and_source(
    client, computed
):
    html = _profile(client, computed)
    details = html.split('<details class="handprint-explain">')[1].split("</details>")[0]
    assert "<h4>Vrijwilligersuren</h4>" in details
    assert "120 uur" in details
    assert "€ 9,30" in details and "€ 14,71" in details and "€ 20,00" in details
    assert "€ 1.765,20" in details
    assert "SDG 11: 50 %, SDG 3: 50 %" in details
    assert "Meijs, Erasmus Universiteit" in details
    assert 'href="/methode/2027.2/"' in details


def test_profile_shows_the_calendar_years(client, computed):
    html = _profile(client, computed)
    table = html.split('class="data-table handprint-years"')[1].split("</table>")[0]
    years = {_months_ago(1).year, _months_ago(2).year}
    for year in years:
        assert f'<th scope="row">{year}</th>' in table
    assert table.count('<th scope="row">') == len(years)


def test_owners_see_the_month_by_month_history(client, computed, owner):
    client.force_login(owner)
    html = _profile(client, computed)
    assert "handprint-history" in html
    history = html.split("handprint-history")[1].split("</table>")[0]
    assert "€ 1.471" in history and "€ 294" in history


def test_visitors_and_other_residents_do_not_see_the_history(client, computed):
    assert "handprint-history" not in _profile(client, computed)
    client.force_login(UserFactory())
    assert "handprint-history" not in _profile(client, computed)


def test_history_computes_each_month_on_its_own_newest_first(computed):
    initiative = initiative_for_profile(computed.slug)
    history = handprint_history(initiative)
    assert [(m.month, m.value_central, m.volunteer_hours, m.people_reached) for m in history] == [
        (_months_ago(1), Decimal("1471.00"), Decimal("100.0"), 40),
        (_months_ago(2), Decimal("294.20"), Decimal("20.0"), 60),
    ]


def test_history_marks_months_without_a_report(computed):
    _report(computed, 4, "8", 2, 3)
    history = handprint_history(initiative_for_profile(computed.slug))
    assert [(m.month, m.reported) for m in history] == [
        (_months_ago(1), True),
        (_months_ago(2), True),
        (_months_ago(3), False),
        (_months_ago(4), True),
    ]


@pytest.mark.django_db
def test_profile_without_reports_says_no_figures_yet(client):
    client.cookies["taal"] = "en"
    html = _profile(client, InitiativeFactory(published=True))
    assert "No monthly figures reported yet" in html
    assert "<svg" not in html


@pytest.mark.django_db
def test_profile_says_the_handprint_is_being_computed_while_stale(client):
    initiative = InitiativeFactory(published=True)
    _report(initiative, 1, "10", 2, 5)
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    client.cookies["taal"] = "en"
    html = _profile(client, initiative)
    assert "The handprint is being computed" in html
    assert not HandprintResult.objects.filter(initiative=initiative).exists()


def test_profile_with_a_handprint_runs_a_bounded_number_of_queries(
    client, computed, django_assert_max_num_queries
):
    # The lines' activities and their SDG targets are one query each; what the current method
    # version changed (both versions' results, their SDG rows, names, activities) four more.
    with django_assert_max_num_queries(15):
        _profile(client, computed)


@pytest.mark.django_db
def test_explanation_names_the_kind_the_overlap_and_the_figures_waiting_for_review(
    client, initiative, settings
):
    # Given a repair café month with repairs and meetings (one effect), and a month whose
    # 900 repairs are above the plausible maximum of method 2027.1
    settings.HANDPRINT_QUIET_SECONDS = 0
    last = month_add(datetime.date.today().replace(day=1), -1)
    repairs, meetings = (Indicator.objects.get(code=c) for c in ("repairs", "repair_meetings"))
    for indicator, month, quantity in (
        (repairs, last, 40),
        (meetings, last, 2),
        (repairs, month_add(last, -1), 900),
    ):
        IndicatorQuantity.objects.create(
            initiative=initiative, indicator=indicator, month=month, quantity=quantity
        )
    handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"

    details = _profile(client, initiative).split('<details class="handprint-explain">')[1]

    # Then the repairs are an environmental price, the meetings are not added again (R9),
    # and the 900 repairs wait for review (R11)
    repairs_part = details.split("<h4>Geslaagde reparaties</h4>")[1].split("</dl>")[0]
    assert "Milieuprijs" in repairs_part
    meetings_part = details.split(f"<h4>{meetings.name_nl}</h4>")[1].split("</dl>")[0]
    assert "niet opgeteld" in meetings_part and "Geslaagde reparaties" in meetings_part
    assert "1 maandcijfer ligt boven" in details
