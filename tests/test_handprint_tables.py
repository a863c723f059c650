"""impact/tables.py writes the handprint tables' rows exactly as the template loops it replaced."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from impact.selectors import kind_subtotals
from impact.tables import activity_rows_html, kind_rows_html, sdg_rows_html, target_goals_html

# The loops as they were in templates/impact/_sdg_table.html, _kind_table.html,
# _sdg_targets.html and templates/areas/_area_activities.html before the rows moved to Python.
SDG_LOOP = Template(
    """{% load i18n numbers %}{% for row in rows %}
    <tr>
      <th scope="row"><span class="sdg-badge sdg-{{ row.goal.number }}">{{ row.goal.number }}</span> {{ row.goal.name }}</th>
      <td class="num">€ {{ row.value_central|fast_floatformat:"2g" }}</td>
      {% if with_range %}<td class="num">€ {{ row.value_low|fast_floatformat:"0g" }} – € {{ row.value_high|fast_floatformat:"0g" }}</td>{% endif %}
      <td class="num">{{ row.hours|fast_floatformat:"-1g" }}</td>
      <td class="num">{{ row.people|fast_floatformat:"0g" }}</td>
    </tr>
    {% endfor %}"""  # noqa: E501
)
KIND_LOOP = Template(
    """{% load i18n numbers %}{% for row in by_kind.effects %}
    <tr>
      <th scope="row">{{ row.label|capfirst }}</th>
      <td class="num">€ {{ row.low|fast_floatformat:"0g" }}</td>
      <td class="num">€ {{ row.central|fast_floatformat:"0g" }}</td>
      <td class="num">€ {{ row.high|fast_floatformat:"0g" }}</td>
    </tr>
    {% endfor %}"""
)
ACTIVITY_LOOP = Template(
    """{% load i18n numbers %}{% for row in rows %}
    <tr>
      <th scope="row">{% if row.activity %}{{ row.activity.name }}{% else %}{% translate "Not under a declared activity (mostly volunteer time)" %}{% endif %}</th>
      <td class="num">{% if row.activity %}{{ row.initiatives|fast_intcomma }}{% else %}–{% endif %}</td>
      <td class="num">€ {{ row.value_central|fast_floatformat:"0g" }}</td>
      <td class="num">€ {{ row.value_low|fast_floatformat:"0g" }} – € {{ row.value_high|fast_floatformat:"0g" }}</td>
      {% if with_per_10000 %}<td class="num">{% if row.per_10000 is not None %}€ {{ row.per_10000|fast_floatformat:"0g" }}{% else %}–{% endif %}</td>{% endif %}
    </tr>
    {% endfor %}"""  # noqa: E501
)
TARGET_LOOP = Template(
    """{% load i18n numbers %}{% for item in goals %}
  <details class="sdg-target-goal">
    <summary><span class="sdg-badge sdg-{{ item.goal.goal.number }}">{{ item.goal.goal.number }}</span> {{ item.goal.goal.name }}: € {{ item.goal.value_central|fast_floatformat:"0g" }}</summary>
    <div class="table-scroll" role="region" aria-labelledby="tbl-sdg-targets-{{ item.goal.goal.number }}" tabindex="0">
    <table class="data-table sdg-target-table">
      <caption id="tbl-sdg-targets-{{ item.goal.goal.number }}">{% blocktranslate trimmed with number=item.goal.goal.number %}SDG {{ number }} per target, last 12 months{% endblocktranslate %}</caption>
      <thead>
        <tr>
          <th scope="col">{% translate "SDG target" %}</th>
          <th scope="col" class="num">{% translate "Value (central)" %}</th>
          <th scope="col" class="num">{% translate "Low – high" %}</th>
          {% if with_per_10000 %}<th scope="col" class="num">{% translate "Per 10,000 inhabitants (central)" %}</th>{% endif %}
        </tr>
      </thead>
      <tbody>
        {% for row in item.targets %}
        <tr>
          <th scope="row">{% if row.target %}{{ row.target.code }} {{ row.target.label }}{% else %}{% blocktranslate trimmed with number=item.goal.goal.number %}SDG {{ number }} as a whole, no particular target{% endblocktranslate %}{% endif %}</th>
          <td class="num">€ {{ row.value_central|fast_floatformat:"2g" }}</td>
          <td class="num">€ {{ row.value_low|fast_floatformat:"0g" }} – € {{ row.value_high|fast_floatformat:"0g" }}</td>
          {% if with_per_10000 %}<td class="num">{% if row.per_10000 is not None %}€ {{ row.per_10000|fast_floatformat:"0g" }}{% else %}–{% endif %}</td>{% endif %}
        </tr>
        {% endfor %}
      </tbody>
    </table>
    </div>
  </details>
  {% endfor %}"""  # noqa: E501
)
LANGUAGES = ["nl", "en"]
# Amounts as the selectors give them: Decimals of every size and sign, zero, an int.
AMOUNTS = [
    Decimal("1234567.891"),
    Decimal("0"),
    Decimal("-12.5"),
    Decimal("0.004"),
    Decimal("99999.995"),
    7,
]


def _goal(number: int, name: str) -> SimpleNamespace:
    return SimpleNamespace(number=number, name=name)


def _sdg_rows() -> list[SimpleNamespace]:
    names = ["Geen armoede", 'Gezondheid <en> "welzijn" & zo', "Kwaliteitsonderwijs"]
    return [
        SimpleNamespace(
            goal=_goal(number, name),
            value_low=AMOUNTS[(number + 1) % len(AMOUNTS)],
            value_central=AMOUNTS[number % len(AMOUNTS)],
            value_high=AMOUNTS[(number + 2) % len(AMOUNTS)],
            hours=Decimal("1234.5") if number % 2 else 0,
            people=number * 1001,
        )
        for number, name in enumerate(names * 2, start=1)
    ]


def _activity_rows() -> list[SimpleNamespace]:
    activity = SimpleNamespace(name="Repair café <& co>")
    rows = [
        SimpleNamespace(
            activity=activity if index < 5 else None,
            initiatives=index * 1500,
            value_low=AMOUNTS[index % len(AMOUNTS)],
            value_central=AMOUNTS[(index + 1) % len(AMOUNTS)],
            value_high=AMOUNTS[(index + 2) % len(AMOUNTS)],
            per_10000=None if index % 3 == 0 else Decimal("1234.56"),
        )
        for index in range(6)
    ]
    return rows


def _target_goals() -> list[SimpleNamespace]:
    goals = []
    for number, row in enumerate(_sdg_rows()[:3], start=1):
        targets = [
            SimpleNamespace(
                target=None,
                value_low=Decimal("1.5"),
                value_central=Decimal("2000.005"),
                value_high=Decimal("3"),
                per_10000=None,
            ),
            SimpleNamespace(
                target=SimpleNamespace(code=f"{number}.a", label="Access <to> “services” & more"),
                value_low=Decimal("0"),
                value_central=Decimal("-4.25"),
                value_high=Decimal("12345678"),
                per_10000=Decimal("99.5") if number != 2 else None,
            ),
        ]
        goals.append(SimpleNamespace(goal=row, targets=targets))
    return goals


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("with_range", [True, False])
def test_sdg_rows_are_the_template_loop(language: str, with_range: bool) -> None:
    rows = _sdg_rows()
    with translation.override(language):
        expected = SDG_LOOP.render(Context({"rows": rows, "with_range": with_range}))
        assert sdg_rows_html(rows, with_range=with_range) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_kind_rows_are_the_template_loop_for_every_kind(language: str) -> None:
    # Every kind a method knows, as stored, and a kind the current method no longer has.
    from impact.models import MethodIndicator

    stored = {
        kind: {"low": 1234.5, "central": Decimal("99999.5"), "high": 0}
        for kind in [*MethodIndicator.Kind.values, "retired_kind"]
    }
    by_kind = kind_subtotals(stored)
    with translation.override(language):
        expected = KIND_LOOP.render(Context({"by_kind": by_kind}))
        assert kind_rows_html(by_kind["effects"]) == expected
        assert "retired_kind" not in expected  # the method's kinds only, in its order


def test_an_old_method_version_without_kinds_has_no_kind_rows() -> None:
    by_kind = kind_subtotals({})
    assert kind_rows_html(by_kind["effects"]) == KIND_LOOP.render(Context({"by_kind": by_kind}))
    assert kind_rows_html(by_kind["effects"]) == ""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("with_per_10000", [86_000, None, 0])
def test_activity_rows_are_the_template_loop(language: str, with_per_10000: int | None) -> None:
    rows = _activity_rows()
    with translation.override(language):
        expected = ACTIVITY_LOOP.render(Context({"rows": rows, "with_per_10000": with_per_10000}))
        assert activity_rows_html(rows, with_per_10000=bool(with_per_10000)) == expected


def test_the_undeclared_activity_row_is_translated() -> None:
    rows = [row for row in _activity_rows() if row.activity is None]
    with translation.override("en"):
        assert "Not under a declared activity" in activity_rows_html(rows, with_per_10000=True)
    with translation.override("nl"):
        assert "Not under a declared activity" not in activity_rows_html(rows, with_per_10000=True)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("with_per_10000", [86_000, None])
def test_target_goals_are_the_template_loop(language: str, with_per_10000: int | None) -> None:
    goals = _target_goals()
    with translation.override(language):
        expected = TARGET_LOOP.render(Context({"goals": goals, "with_per_10000": with_per_10000}))
        assert target_goals_html(goals, with_per_10000=bool(with_per_10000)) == expected


@pytest.mark.parametrize(
    "writer",
    [
        lambda: sdg_rows_html([], with_range=True),
        lambda: kind_rows_html([]),
        lambda: activity_rows_html([], with_per_10000=True),
        lambda: target_goals_html([], with_per_10000=True),
    ],
)
def test_no_rows_write_nothing(writer) -> None:  # noqa: ANN001
    assert writer() == ""


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_real_goals_and_targets_give_the_same_markup(language: str, reference_data) -> None:  # noqa: ANN001
    # The goals' and targets' own names in both languages, from the reference data.
    from sdgs.models import Goal, Target

    goal = Goal.objects.get(number=11)
    targets = list(Target.objects.filter(goal=goal).order_by("position")[:3])
    row = SimpleNamespace(
        goal=goal,
        value_low=Decimal("1"),
        value_central=Decimal("2.5"),
        value_high=Decimal("4"),
        hours=Decimal("10.0"),
        people=3,
    )
    goals = [
        SimpleNamespace(
            goal=row,
            targets=[
                SimpleNamespace(
                    target=target,
                    value_low=Decimal("1"),
                    value_central=Decimal("2"),
                    value_high=Decimal("3"),
                    per_10000=Decimal("0.4"),
                )
                for target in targets
            ],
        )
    ]
    with translation.override(language):
        assert sdg_rows_html([row]) == SDG_LOOP.render(Context({"rows": [row]}))
        expected = TARGET_LOOP.render(Context({"goals": goals, "with_per_10000": 1}))
        assert target_goals_html(goals, with_per_10000=True) == expected
        assert targets[0].label in expected
