"""AreaTable.rows_html writes the sub-area rows exactly as the template loop it replaced did."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from areas.dashboards import AreaRow, rows_html

# The loop of templates/areas/_area_sub_areas.html before the rows moved to Python.
LOOP = Template(
    """{% load i18n humanize %}{% for row in rows %}
      <tr>
        <th scope="row"><a href="{{ row.url }}">{{ row.name }}</a>{% if not row.is_active %} <span class="meta">({% translate "no longer in the current CBS edition" %})</span>{% endif %}</th>
        <td>{{ row.code }}</td>
        <td class="num">{{ row.population|default_if_none:"–"|intcomma }}</td>
        <td class="num">{{ row.initiatives|intcomma }}</td>
        <td class="num">{{ row.initiatives_per_10000|floatformat:"1g"|default:"–" }}</td>
        <td class="num">{{ row.volunteer_hours|floatformat:"-1g"|default:"–" }}</td>
        <td class="num">{{ row.open_needs|intcomma }}</td>
      </tr>
      {% endfor %}"""  # noqa: E501
)


def _rows() -> list[AreaRow]:
    rows = []
    cases = [
        ("Centrum", 86_000, 120, Decimal("1234.5"), True, True),
        ('\'s-Gravenhage <Oost> & "West"', None, 0, None, True, False),
        ("Súdwest-Fryslân", 0, 3, None, False, True),
        ("Oud-Zuid", 1, 1_000_001, Decimal("0"), True, True),
        ("Nieuw-West", 145_012, 7, Decimal("12.04"), True, False),
        ("Westpoort", 250, 12, Decimal("99999.95"), False, True),
    ]
    for index, (name, population, initiatives, hours, computed, active) in enumerate(cases):
        handprint = SimpleNamespace(volunteer_hours=hours) if hours is not None else None
        rows.append(
            AreaRow(
                code=f"WK0363{index:02}",
                name=name,
                url=f"/gemeenten/GM0363/wijken/WK0363{index:02}/?a=1&b=2",
                population=population,
                is_active=active,
                initiatives=initiatives,
                open_needs=initiatives * 3,
                handprint=handprint,
                computed=computed,
            )
        )
    return rows


@pytest.mark.parametrize("language", ["nl", "en"])
def test_rows_html_is_the_template_loop(language: str) -> None:
    rows = _rows()
    with translation.override(language):
        assert rows_html(rows) == LOOP.render(Context({"rows": rows}))
        assert rows_html([]) == ""


def test_the_inactive_note_is_translated() -> None:
    rows = [row for row in _rows() if not row.is_active]
    with translation.override("en"):
        assert "no longer in the current CBS edition" in rows_html(rows)
    with translation.override("nl"):
        assert "no longer in the current CBS edition" not in rows_html(rows)
