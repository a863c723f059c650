import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import translation

from initiatives.models import Theme
from initiatives.services import themes_seed
from sdgs.models import Goal, Target
from sdgs.services import goals_load

pytestmark = pytest.mark.django_db


def test_the_17_goals_come_with_the_schema():
    assert Goal.objects.count() == 17
    assert goals_load() == (0, 0, 17)


def test_the_17_goals_load_with_dutch_names_and_official_colours():
    Target.objects.all().delete()
    Goal.objects.all().delete()
    assert goals_load() == (17, 0, 0)
    goal = Goal.objects.get(number=11)
    assert goal.colour == "#FD9D24"
    with translation.override("nl"):
        assert goal.name == "Duurzame steden en gemeenschappen"
    with translation.override("en"):
        assert goal.name == "Sustainable cities and communities"


def test_loading_goals_twice_changes_nothing():
    goals_load()
    Goal.objects.filter(number=1).update(name_nl="Verkeerd")
    assert goals_load() == (0, 1, 16)
    assert Goal.objects.get(number=1).name_nl == "Geen armoede"


@pytest.mark.parametrize("number", [0, 18])
def test_database_refuses_a_goal_outside_1_to_17(number):
    with pytest.raises(IntegrityError):
        Goal.objects.create(number=number, name_nl="x", name_en="x", colour="#000000")


def test_themes_are_seeded_once_and_staff_edits_survive():
    assert themes_seed() == (17, 0)
    Theme.objects.filter(slug="groen").update(name_nl="Groen, tuinen en natuur")
    assert themes_seed() == (0, 17)
    assert Theme.objects.get(slug="groen").name_nl == "Groen, tuinen en natuur"
    assert [t.slug for t in Theme.objects.all()[:2]] == ["ontmoeting", "zorg-welzijn"]


def test_load_reference_data_reports_every_part(capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "SDGs: 0 created, 0 updated, 17 unchanged" in out
    assert "themes: 17 created" in out
    assert "municipalities: 342 created" in out
