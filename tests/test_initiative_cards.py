"""initiatives/cards.py writes the list's cards exactly as the template loop it replaced."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from initiatives.cards import area_cards_html, list_cards_html
from initiatives.models import Initiative
from places.models import District, Municipality, Neighbourhood

# The loop of templates/initiatives/list.html before the cards moved to Python.
LOOP = Template(
    """{% load i18n numbers %}{% for initiative in initiatives %}
          <li class="card">
            <a href="{{ initiative.get_absolute_url }}"><strong>{{ initiative.name }}</strong></a>
            <span class="meta">{{ initiative.get_kind_display }} · {{ initiative.municipality.name }}{% if initiative.district %} · {{ initiative.district.name }}{% endif %}</span>
            {% if initiative.summary %}<p>{{ initiative.summary }}</p>{% endif %}
            {% if initiative.hours_12m is not None %}<p class="meta">{% blocktranslate trimmed with hours=initiative.hours_12m|fast_floatformat:"0g" %}{{ hours }} volunteer hours in the last 12 months{% endblocktranslate %}</p>{% endif %}
          </li>
        {% endfor %}"""  # noqa: E501
)
HOURS = [Decimal("1234567.5"), Decimal("0.0"), Decimal("12.4"), Decimal("99.5"), None]


def _initiatives(*, sorted_by_hours: bool) -> list[Initiative]:
    municipality = Municipality(code="GM0796", name='\'s-Hertogenbosch <&> "Oost"')
    cases = [
        ("Moestuin De Linde", "garden", "Samen <b>tuinieren</b> & oogsten", True),
        ('Repair Café "Zuid" & co', "residents_group", "", False),
        ("Buurthuis ’t Hart", "community_centre", "Koffie om 10 uur.", True),
        ("Onbekend soort", "no_such_kind", "", True),  # a kind the choices do not know
        ("Zorgcoöperatie", "care", "x" * 300, False),
    ]
    initiatives = []
    for index, (name, kind, summary, in_district) in enumerate(cases):
        initiative = Initiative(name=name, slug=f"slug-{index}", kind=kind, summary=summary)
        initiative.municipality = municipality
        initiative.district = (
            District(code="WK079601", name="Binnenstad <Noord>", municipality=municipality)
            if in_district
            else None
        )
        if sorted_by_hours:
            initiative.hours_12m = HOURS[index]
        initiatives.append(initiative)
    return initiatives


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("sorted_by_hours", [True, False])
def test_the_cards_are_the_template_loop(language: str, sorted_by_hours: bool) -> None:
    initiatives = _initiatives(sorted_by_hours=sorted_by_hours)
    with translation.override(language):
        expected = LOOP.render(Context({"initiatives": initiatives}))
        assert list_cards_html(initiatives) == expected
    assert ("volunteer hours" in expected or "vrijwilligersuren" in expected) is sorted_by_hours


def test_no_initiatives_give_no_cards() -> None:
    assert list_cards_html([]) == ""


def test_the_hours_line_is_translated() -> None:
    initiatives = _initiatives(sorted_by_hours=True)[:1]
    with translation.override("en"):
        assert "volunteer hours in the last 12 months" in list_cards_html(initiatives)
    with translation.override("nl"):
        assert "volunteer hours in the last 12 months" not in list_cards_html(initiatives)


# The loop of templates/areas/_area_initiatives.html before the cards moved to Python.
AREA_LOOP = Template(
    """{% for initiative in initiatives %}
    <li class="card">
      <a href="{{ initiative.get_absolute_url }}">{{ initiative.name }}</a>
      <span class="meta">{{ initiative.get_kind_display|capfirst }} ·
        {{ initiative.municipality.name }}{% if initiative.district %}, {{ initiative.district.name }}{% endif %}{% if initiative.neighbourhood %}, {{ initiative.neighbourhood.name }}{% endif %}</span>
    </li>
    {% endfor %}"""  # noqa: E501
)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_area_cards_are_the_template_loop(language: str) -> None:
    initiatives = _initiatives(sorted_by_hours=False)
    for index, initiative in enumerate(initiatives):
        initiative.neighbourhood = (
            Neighbourhood(
                code="BU07960101", name="Oude <Stad> & ’t Hart", district=initiative.district
            )
            if initiative.district and index % 3
            else None
        )
    with translation.override(language):
        expected = AREA_LOOP.render(Context({"initiatives": initiatives}))
        assert area_cards_html(initiatives) == expected
    assert area_cards_html([]) == ""


def _listed(client, municipality: str, ordering: str) -> tuple[int, str]:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/initiatieven/", {"municipality": municipality, "ordering": ordering}
        )
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["hours", "newest", "name"])
def test_the_list_reads_what_its_cards_show_in_the_same_queries_for_2_or_12(
    client, ordering: str
) -> None:
    # The cards read only some fields of an initiative and its places: reading any other
    # one would cost a query per card.
    from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory

    counts = []
    for size in (2, 12):
        municipality = MunicipalityFactory()
        district = DistrictFactory(municipality=municipality, code=f"WK{municipality.code[2:]}01")
        for n in range(size):
            InitiativeFactory(
                published=True,
                municipality=municipality,
                district=district if n % 2 else None,
                summary=f"Samenvatting {n}",
            )
        client.get("/initiatieven/")  # the process reads the places first (active_places)
        queries, html = _listed(client, municipality.code, ordering)
        counts.append(queries)
        assert html.count('<li class="card">') == size
        assert f"{municipality.name} · {district.name}" in html
        assert "Samenvatting 1" in html
    assert counts[0] == counts[1]
