"""`initiatives` tells `impact` what changed through one hook; impact decides what goes stale."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from impact.models import AreaState, HandprintState
from initiatives import hooks
from initiatives.hooks import Change, Hook
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def area_marks() -> int:
    state = AreaState.objects.filter(pk=1).first()
    return state.inputs_version if state else 0


def handprint_marks(initiative_id: int) -> int:
    state = HandprintState.objects.filter(pk=initiative_id).first()
    return state.inputs_version if state else 0


def test_new_handprint_inputs_mark_the_handprint_stale(owner):
    initiative = InitiativeFactory(published=True, owner=owner)
    before = handprint_marks(initiative.pk)

    hooks.initiative_changed(initiative.pk, what=Change.HANDPRINT_INPUTS)

    assert handprint_marks(initiative.pk) == before + 1


def test_a_new_visibility_marks_the_area_totals_stale(owner):
    initiative = InitiativeFactory(published=True, owner=owner)
    before = area_marks()

    hooks.initiative_changed(initiative.pk, what=Change.VISIBILITY)

    assert area_marks() == before + 1


def test_moving_a_published_initiative_marks_the_area_totals_stale(owner):
    initiative = InitiativeFactory(published=True, owner=owner)
    before = area_marks()

    hooks.initiative_changed(initiative.pk, what=Change.PLACEMENT)

    assert area_marks() == before + 1


def test_moving_a_draft_marks_nothing_since_drafts_count_in_no_area(owner):
    initiative = InitiativeFactory(owner=owner)
    before = area_marks()

    hooks.initiative_changed(initiative.pk, what=Change.PLACEMENT)

    assert (area_marks(), handprint_marks(initiative.pk)) == (before, 0)


def test_a_hook_without_an_implementation_refuses_to_be_called():
    hook = Hook("example")

    with pytest.raises(ImproperlyConfigured, match="no implementation"):
        hook()


def test_a_hook_takes_only_one_implementation():
    hook = Hook("example")
    hook.register(print)

    with pytest.raises(ImproperlyConfigured, match="already has"):
        hook.register(len)
