"""The owners' monthly report page: one form asks what the declared activities need, saves a
whole month through impact.reporting.month_report_save, and loads any past month to correct."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from impact.models import IndicatorQuantity
from impact.reporting import month_quantities, month_report_save
from impact.scoring import month_add
from impact.services import initiative_activities_set
from initiatives.models import ActivityReport
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

THIS_MONTH = datetime.date.today().replace(day=1)
LAST_MONTH = month_add(THIS_MONTH, -1)


@pytest.fixture(autouse=True)
def _declared(initiative, owner):
    """The conftest `initiative`, founded in 2020, runs a repair café and household help."""
    initiative.founded_year = 2020
    initiative.save(update_fields=["founded_year"])
    initiative_activities_set(
        initiative=initiative, user=owner, activity_codes=["repair_cafe", "huishoudelijke_hulp"]
    )


@pytest.fixture
def page(client, owner, initiative):
    client.force_login(owner)
    return f"/initiatieven/{initiative.slug}/activiteit/"


def figures(month: datetime.date | str = LAST_MONTH, **fields: str) -> dict[str, str]:
    """The report form as the page sends it for `month`, every question field included."""
    month = month if isinstance(month, str) else f"{month:%Y-%m}"
    data = {
        "month": month,
        "loaded": month,
        "volunteer_hours": "40",
        "active_volunteers": "6",
        "people_reached": "30",
        "qty_repairs": "",
        "qty_repair_meetings": "",
        "qty_household_help_hours": "",
    }
    data.update(fields)
    return data


def save_month(initiative, owner, month=LAST_MONTH, **quantities):  # noqa: ANN001, ANN201
    return month_report_save(
        initiative=initiative,
        user=owner,
        month=month,
        volunteer_hours=Decimal(40),
        active_volunteers=6,
        people_reached=30,
        quantities={code: Decimal(value) for code, value in quantities.items()},
    )


def test_the_page_asks_the_questions_of_the_declared_activities(client, page):
    html = client.get(page).content.decode()
    assert 'name="qty_repairs"' in html
    assert "Hoeveel reparaties zijn deze maand geslaagd" in html
    assert 'id="id_qty_repairs_unit">reparaties<' in html
    assert "Gevraagd voor: Repair café." in html
    # The hours per activity sit under the volunteer hours, with the plausible maximum.
    assert "Waarvan per activiteit" in html
    assert html.index('name="volunteer_hours"') < html.index('name="qty_household_help_hours"')
    assert html.index('name="qty_household_help_hours"') < html.index('name="active_volunteers"')
    assert "Meer dan 3.000 per maand" in html
    # With JS a hint appears while typing above the maximum (static/js/month_report.js).
    assert 'id="id_qty_repairs_plausible" role="status" hidden' in html
    assert "js/month_report" in html
    assert 'name="qty_meals_served"' not in html
    # The default month is last month.
    assert f'value="{LAST_MONTH:%Y-%m}"' in html
    # The old separate indicator form is gone.
    assert "indicatoren/" not in html
    assert 'name="indicator-quantity"' not in html


def test_a_post_saves_the_figures_and_the_quantities(client, page, initiative):
    response = client.post(
        page, figures(qty_repairs="35", qty_repair_meetings="2", qty_household_help_hours="10")
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?maand={LAST_MONTH:%Y-%m}")
    report = ActivityReport.objects.get(initiative=initiative)
    assert (report.month, report.volunteer_hours, report.people_reached) == (LAST_MONTH, 40, 30)
    assert month_quantities(initiative, LAST_MONTH) == {
        "repairs": Decimal(35),
        "repair_meetings": Decimal(2),
        "household_help_hours": Decimal(10),
    }
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("is opgeslagen" in m for m in messages)


def test_an_untouched_page_saves_the_same_month_again(client, page, initiative, owner):
    save_month(initiative, owner, repairs="35", repair_meetings="2")
    html = client.get(page).content.decode()
    assert 'name="qty_repairs" value="35"' in html
    assert 'name="volunteer_hours" value="40' in html
    # What the browser sends back when nothing is changed keeps the quantities.
    client.post(page, figures(qty_repairs="35.00", qty_repair_meetings="2.00"))
    assert month_quantities(initiative, LAST_MONTH) == {
        "repairs": Decimal(35),
        "repair_meetings": Decimal(2),
    }


def test_an_emptied_field_removes_the_figure_and_a_field_not_sent_is_left(
    client, page, initiative, owner
):
    save_month(initiative, owner, repairs="35", repair_meetings="2")
    data = figures(qty_repairs="")
    del data["qty_repair_meetings"]
    assert client.post(page, data).status_code == 302
    assert month_quantities(initiative, LAST_MONTH) == {"repair_meetings": Decimal(2)}


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"qty_repairs": "-3"}, "qty_repairs"),
        ({"qty_repairs": "veel"}, "qty_repairs"),
        ({"volunteer_hours": "10", "qty_household_help_hours": "12"}, "qty_household_help_hours"),
        ({"volunteer_hours": "5000", "active_volunteers": "1"}, "volunteer_hours"),
        ({"month": "1999-12"}, "month"),
    ],
)
def test_an_error_keeps_the_input_and_saves_nothing(client, page, initiative, fields, error_field):
    response = client.post(page, figures(qty_repair_meetings="4", **fields))
    assert response.status_code == 200
    form = response.context["form"]
    assert error_field in form.errors
    html = response.content.decode()
    assert 'name="qty_repair_meetings" value="4"' in html
    assert 'aria-invalid="true"' in html
    assert not ActivityReport.objects.exists()
    assert not IndicatorQuantity.objects.exists()


def test_the_hours_per_activity_error_names_the_sum(client, page):
    response = client.post(page, figures(volunteer_hours="10", qty_household_help_hours="12"))
    assert "12" in " ".join(response.context["form"].errors["qty_household_help_hours"])


def test_a_held_figure_is_saved_with_a_warning(client, page, initiative):
    response = client.post(page, figures(qty_repairs="900"), follow=True)
    assert IndicatorQuantity.objects.get(initiative=initiative).quantity == 900
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "Hoeveel reparaties" in warnings[0]
    assert "900" in warnings[0] and "500" in warnings[0]
    assert "medewerkers van LSA" in warnings[0]
    # The history shows the month has a quantity waiting for review.
    row = response.context["reports"][0]
    assert (row.month, row.quantity_count, row.held) == (LAST_MONTH, 1, ["Geslaagde reparaties"])


def test_maand_loads_a_past_month_to_correct(client, page, initiative, owner):
    past = datetime.date(2021, 3, 1)
    save_month(initiative, owner, month=past, repairs="12")
    response = client.get(page, {"maand": "2021-03"})
    html = response.content.decode()
    assert response.context["month"] == past
    assert 'name="month" value="2021-03"' in html
    assert 'name="qty_repairs" value="12' in html
    # Correcting it changes that month only.
    client.post(page, figures(month=past, qty_repairs="14"))
    assert month_quantities(initiative, past) == {"repairs": Decimal(14)}
    assert ActivityReport.objects.get(initiative=initiative, month=past).revision == 2


def test_a_month_no_activity_asks_for_any_more_stays_editable(client, page, initiative, owner):
    save_month(initiative, owner, meals_served="50")
    html = client.get(page, {"maand": f"{LAST_MONTH:%Y-%m}"}).content.decode()
    assert 'name="qty_meals_served" value="50' in html
    assert "Geen van je activiteiten vraagt dit nog" in html


@pytest.mark.parametrize(
    "maand", ["2019-12", "1999-01", "2021-13", "nonsense", f"{month_add(THIS_MONTH, 1):%Y-%m}"]
)
def test_a_month_outside_the_rule_is_refused_with_a_message(client, page, maand):
    response = client.get(page, {"maand": maand})
    assert response.status_code == 200
    assert response.context["choice"].errors
    assert response.context["month"] == LAST_MONTH
    assert 'class="error-summary"' in response.content.decode()


def test_the_founding_year_is_named_when_refused(client, page):
    response = client.get(page, {"maand": "2019-12"})
    assert "januari 2020" in response.content.decode()


def test_another_months_figures_are_not_overwritten_unseen(client, page, initiative, owner):
    past = datetime.date(2021, 3, 1)
    save_month(initiative, owner, month=past, repairs="12")
    # The page showed last month; the owner typed March 2021 in the month field.
    response = client.post(
        page, figures(month=past, loaded=f"{LAST_MONTH:%Y-%m}", qty_repairs="99")
    )
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert month_quantities(initiative, past) == {"repairs": Decimal(12)}
    # A month without figures may be typed directly.
    empty = datetime.date(2021, 4, 1)
    data = figures(month=empty, loaded=f"{LAST_MONTH:%Y-%m}", qty_repairs="3")
    assert client.post(page, data).status_code == 302
    assert month_quantities(initiative, empty) == {"repairs": Decimal(3)}


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_only_owners_see_or_post_the_page(client, initiative, who):
    if who == "stranger":
        client.force_login(UserFactory())
    url = f"/initiatieven/{initiative.slug}/activiteit/"
    get, post = client.get(url), client.post(url, figures(qty_repairs="3"))
    if who == "stranger":
        assert (get.status_code, post.status_code) == (403, 403)
    else:
        assert get.status_code == post.status_code == 302
    assert not ActivityReport.objects.exists()
    assert not IndicatorQuantity.objects.exists()


def test_a_draft_of_someone_else_is_not_found(client):
    draft = InitiativeFactory(owner=UserFactory())
    client.force_login(UserFactory())
    assert client.get(f"/initiatieven/{draft.slug}/activiteit/").status_code == 404


def test_the_query_count_does_not_grow_with_the_reported_months(
    client, page, initiative, owner, django_assert_max_num_queries
):
    save_month(initiative, owner, repairs="900")
    with django_assert_max_num_queries(20) as few:
        assert client.get(page).status_code == 200
    for months_back in range(2, 26):
        save_month(initiative, owner, month=month_add(THIS_MONTH, -months_back), repairs="3")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page)
    assert len(response.context["reports"]) == 25


def test_without_activities_the_page_says_so_and_links_to_them(client, owner):
    initiative = InitiativeFactory(published=True, owner=owner)
    client.force_login(owner)
    html = client.get(f"/initiatieven/{initiative.slug}/activiteit/").content.decode()
    assert f'href="/initiatieven/{initiative.slug}/activiteiten/"' in html
    assert "zodat deze pagina de juiste vragen stelt" in html
    assert 'name="qty_' not in html


# --- The first-time prompt: tell what the initiative does -----------------------------------

PROMPT = "Vink de activiteiten van je initiatief aan"


def test_saving_activities_the_first_time_leads_to_the_report_page(client, owner):
    newcomer = InitiativeFactory(published=True, owner=owner)
    client.force_login(owner)
    url = f"/initiatieven/{newcomer.slug}/activiteiten/"
    first = client.post(url, {"activities": ["repair_cafe"]})
    assert first["Location"] == f"/initiatieven/{newcomer.slug}/activiteit/"
    again = client.post(url, {"activities": ["repair_cafe", "zwerfafval"]})
    assert again["Location"] == newcomer.get_absolute_url()


def test_the_profile_prompts_only_owners_of_an_initiative_without_activities(client, owner):
    newcomer = InitiativeFactory(published=True, owner=owner)
    activities_link = f'href="/initiatieven/{newcomer.slug}/activiteiten/"'
    html = client.get(newcomer.get_absolute_url()).content.decode()
    assert PROMPT not in html and activities_link not in html
    client.force_login(owner)
    html = client.get(newcomer.get_absolute_url()).content.decode()
    assert PROMPT in html and activities_link in html
    initiative_activities_set(initiative=newcomer, user=owner, activity_codes=["zwerfafval"])
    assert PROMPT not in client.get(newcomer.get_absolute_url()).content.decode()


def test_my_initiatives_prompts_for_those_without_activities(
    client, owner, initiative, django_assert_max_num_queries
):
    newcomer = InitiativeFactory(published=True, owner=owner, name="Nieuwe Moestuin")
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        html = client.get("/mijn/").content.decode()
    assert "Kies de activiteiten van Nieuwe Moestuin" in html
    assert f'href="/initiatieven/{newcomer.slug}/activiteiten/"' in html
    assert f"Kies de activiteiten van {initiative.name}" not in html


def test_the_edit_form_links_to_the_activities(client, owner, initiative):
    client.force_login(owner)
    html = client.get(f"/initiatieven/{initiative.slug}/bewerken/").content.decode()
    assert f'href="/initiatieven/{initiative.slug}/activiteiten/"' in html
    assert "Wat doet je initiatief? (activiteiten)" in html
