"""What residents see: subtotals per kind of value on the profile, and the printable statement."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from impact.models import (
    Activity,
    HandprintResult,
    Indicator,
    IndicatorQuantity,
    InitiativeActivity,
)
from impact.scoring import month_add
from impact.services import handprint_inputs_changed, handprint_recompute
from initiatives.models import ActivityReport, InitiativeGoal
from sdgs.models import Target
from tests.factories import InitiativeFactory


def _months_ago(n: int) -> datetime.date:
    return month_add(datetime.date.today().replace(day=1), -n)


@pytest.fixture
def repair_cafe(settings, owner):
    """A published repair café: 120 volunteer hours and 10 repairs reported, computed."""
    settings.HANDPRINT_QUIET_SECONDS = 0
    initiative = InitiativeFactory(published=True, owner=owner)
    InitiativeGoal.objects.create(initiative=initiative, goal_id=12, position=1)
    InitiativeActivity.objects.create(
        initiative=initiative, activity=Activity.objects.get(code="repair_cafe")
    )
    for months_ago, hours in ((1, "100"), (2, "20")):
        ActivityReport.objects.create(
            initiative=initiative,
            month=_months_ago(months_ago),
            volunteer_hours=Decimal(hours),
            active_volunteers=5,
            people_reached=30,
        )
    IndicatorQuantity.objects.create(
        initiative=initiative,
        indicator=Indicator.objects.get(code="repairs"),
        month=_months_ago(1),
        quantity=Decimal(10),
    )
    with transaction.atomic():
        handprint_inputs_changed(initiative_id=initiative.pk)
    assert handprint_recompute(initiative_id=initiative.pk) == "computed"
    return initiative


def _get(client, url: str) -> str:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _statement_url(initiative) -> str:  # noqa: ANN001
    return reverse("handprint_statement", args=[initiative.slug])


def test_profile_shows_input_apart_from_the_effects_each_with_low_central_high(client, repair_cafe):
    html = _get(client, repair_cafe.get_absolute_url())
    table = html.split('class="data-table handprint-kinds"')[1].split("</table>")[0]
    assert "Inzet (vrijwilligerstijd)" in table
    assert "Effecten" in table
    assert "Milieuprijs" in table
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    input_row = next(row for row in rows if "Inzet (vrijwilligerstijd)" in row)
    assert len(re.findall(r'<td class="num">€ [\d.,]+</td>', input_row)) == 3


def test_profile_groups_the_lines_by_declared_activity_with_sdg_targets(client, repair_cafe):
    html = _get(client, repair_cafe.get_absolute_url())
    details = html.split('<details class="handprint-explain">')[1].split("</details>")[0]
    group = details.split('<h3 class="handprint-activity">Repair café</h3>')[1].split("<h3")[0]
    assert "Geslaagde reparaties" in group
    label = Target.objects.get(code="12.5").short_nl
    assert label and f"SDG 12.5 ({label}): 50 %" in group


@pytest.mark.django_db
def test_statement_is_public_for_a_published_initiative(client, repair_cafe):
    html = _get(client, _statement_url(repair_cafe))
    assert repair_cafe.name in html
    assert 'href="/methode/2027.2/"' in html
    assert "2027.2" in html


@pytest.mark.django_db
def test_statement_of_a_draft_is_not_found_even_for_its_owner(client, owner):
    draft = InitiativeFactory(owner=owner)
    assert client.get(_statement_url(draft)).status_code == 404
    client.force_login(owner)
    assert client.get(_statement_url(draft)).status_code == 404


def test_statement_shows_totals_subtotals_and_the_sources(client, repair_cafe):
    result = HandprintResult.objects.get(
        initiative=repair_cafe, period_kind="rolling12", version__code="2027.1"
    )
    html = _get(client, _statement_url(repair_cafe))
    for value in (result.value_low, result.value_central, result.value_high):
        assert f"€ {value:,.0f}".replace(",", ".") in html
    assert "Inzet (vrijwilligerstijd)" in html
    sources = [line["source"] for line in result.lines if line.get("value") and line["source"]]
    assert sources and all(escape(source) in html for source in sources)
    assert "handprint-statement" in html


def test_statement_has_no_personal_data(client, repair_cafe):
    repair_cafe.contact_email = "geheim@example.org"
    repair_cafe.contact_phone = "0612345678"
    repair_cafe.public_email = "openbaar@example.org"
    repair_cafe.save()
    html = _get(client, _statement_url(repair_cafe))
    for private in ("geheim@example.org", "0612345678", "openbaar@example.org"):
        assert private not in html


def test_profile_links_to_the_statement(client, repair_cafe):
    html = _get(client, repair_cafe.get_absolute_url())
    assert f'href="{_statement_url(repair_cafe)}"' in html
    assert "Verklaring afdrukken" in html


def test_statement_runs_a_constant_number_of_queries(
    client, repair_cafe, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        _get(client, _statement_url(repair_cafe))
