"""What an initiative does: its owners declare activities (the handprint's activity mix), the
profile lists them, and a change marks the handprint stale."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from impact.models import HandprintState, InitiativeActivity
from impact.services import initiative_activities_set
from initiatives.models import Ownership
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _codes(initiative) -> list[str]:  # noqa: ANN001
    return sorted(
        InitiativeActivity.objects.filter(initiative=initiative).values_list(
            "activity__code", flat=True
        )
    )


def _inputs_version(initiative) -> int:  # noqa: ANN001
    state = HandprintState.objects.filter(pk=initiative.pk).first()
    return state.inputs_version if state else 0


def _page(initiative) -> str:  # noqa: ANN001
    return f"/initiatieven/{initiative.slug}/activiteiten/"


# --- The service ------------------------------------------------------------------------------


def test_an_owner_declares_activities_and_the_handprint_goes_stale(initiative, owner):
    with transaction.atomic():
        initiative_activities_set(
            initiative=initiative, user=owner, activity_codes=["repair_cafe", "zwerfafval"]
        )

    assert _codes(initiative) == ["repair_cafe", "zwerfafval"]
    state = HandprintState.objects.get(pk=initiative.pk)
    assert state.inputs_version > state.computed_version and state.stale_since is not None


def test_declaring_again_replaces_the_set(initiative, owner):
    initiative_activities_set(
        initiative=initiative, user=owner, activity_codes=["repair_cafe", "zwerfafval"]
    )
    before = _inputs_version(initiative)

    initiative_activities_set(
        initiative=initiative,
        user=owner,
        activity_codes=["zwerfafval", "energiecooperatie", "zwerfafval"],
    )

    assert _codes(initiative) == ["energiecooperatie", "zwerfafval"]
    assert _inputs_version(initiative) == before + 1


def test_declaring_the_same_set_changes_nothing(initiative, owner):
    initiative_activities_set(initiative=initiative, user=owner, activity_codes=["repair_cafe"])
    before = _inputs_version(initiative)

    initiative_activities_set(initiative=initiative, user=owner, activity_codes=["repair_cafe"])

    assert _codes(initiative) == ["repair_cafe"] and _inputs_version(initiative) == before


def test_an_empty_set_clears_the_activities(initiative, owner):
    initiative_activities_set(initiative=initiative, user=owner, activity_codes=["repair_cafe"])

    initiative_activities_set(initiative=initiative, user=owner, activity_codes=[])

    assert _codes(initiative) == []


def test_an_unknown_code_is_refused_and_nothing_changes(initiative, owner):
    initiative_activities_set(initiative=initiative, user=owner, activity_codes=["repair_cafe"])
    before = _inputs_version(initiative)

    with pytest.raises(ValidationError) as refused:
        initiative_activities_set(
            initiative=initiative, user=owner, activity_codes=["zwerfafval", "geen_activiteit"]
        )

    assert "geen_activiteit" in " ".join(refused.value.messages)
    assert _codes(initiative) == ["repair_cafe"] and _inputs_version(initiative) == before


@pytest.mark.parametrize("who", ["resident", "staff"])
def test_only_owners_declare_activities(initiative, who):
    user = UserFactory(is_staff=who == "staff", is_superuser=who == "staff")

    with pytest.raises(PermissionDenied):
        initiative_activities_set(initiative=initiative, user=user, activity_codes=["repair_cafe"])

    assert _codes(initiative) == [] and _inputs_version(initiative) == 0


def test_a_co_owner_declares_activities(initiative):
    co_owner = UserFactory()
    Ownership.objects.create(initiative=initiative, user=co_owner, role="co_owner")

    initiative_activities_set(initiative=initiative, user=co_owner, activity_codes=["repair_cafe"])

    assert _codes(initiative) == ["repair_cafe"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_replacements_neither_fail_nor_mix(reference_data):
    # Given one initiative and eight of its owners' saves, started at the same instant
    owner = UserFactory()
    initiative = InitiativeFactory(published=True, owner=owner)
    sets = [
        ["repair_cafe", "zwerfafval"],
        ["energiecooperatie"],
        ["repair_cafe", "energiecooperatie", "groen_bomen"],
        [],
    ] * 2
    barrier = threading.Barrier(len(sets))
    errors: list[Exception] = []

    def save(codes: list[str]) -> None:
        try:
            barrier.wait()
            initiative_activities_set(initiative=initiative, user=owner, activity_codes=codes)
        except Exception as exc:  # noqa: BLE001 - the test lists what failed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(codes,)) for codes in sets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then every save succeeded, one after the other: the set is exactly one writer's
    assert errors == []
    assert _codes(initiative) in [sorted(codes) for codes in sets]


# --- The owners' page -------------------------------------------------------------------------


def test_the_page_offers_every_activity_in_groups(client, initiative, owner):
    initiative_activities_set(initiative=initiative, user=owner, activity_codes=["repair_cafe"])
    client.force_login(owner)

    response = client.get(_page(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="checkbox" name="activities"') == 30
    assert html.count("<legend>") >= 5
    assert "Zorg en welzijn" in html and "Repair café" in html
    checked = html.split('value="repair_cafe"')[1].split(">")[0]
    assert "checked" in checked
    assert "csrfmiddlewaretoken" in html


def test_the_page_is_in_english_for_english_visitors(client, initiative, owner):
    client.force_login(owner)
    client.cookies["taal"] = "en"

    html = client.get(_page(initiative)).content.decode()

    assert "Care and wellbeing" in html and "Litter picking" in html
    assert "Zwerfafval opruimen" not in html


def test_an_owner_saves_the_activities_and_the_profile_lists_them(client, initiative, owner):
    client.force_login(owner)

    response = client.post(_page(initiative), {"activities": ["repair_cafe"]})

    # The first time the next step is the monthly report, which now knows what to ask
    assert response.status_code == 302
    assert response["Location"] == f"/initiatieven/{initiative.slug}/activiteit/"
    response = client.post(_page(initiative), {"activities": ["repair_cafe", "zwerfafval"]})
    # Later, back to the profile
    assert response["Location"] == initiative.get_absolute_url()
    assert _codes(initiative) == ["repair_cafe", "zwerfafval"]
    client.logout()
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert 'id="activities-title"' in html
    assert "Repair café" in html and "Zwerfafval opruimen" in html


def test_an_unknown_activity_is_refused_on_the_page(client, initiative, owner):
    client.force_login(owner)

    response = client.post(_page(initiative), {"activities": ["repair_cafe", "geen_activiteit"]})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert _codes(initiative) == []


def test_the_profile_without_activities_shows_no_list(client, initiative):
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert 'id="activities-title"' not in html


def test_the_owners_see_a_link_to_the_page(client, initiative, owner):
    client.force_login(owner)
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert f'href="{_page(initiative)}"' in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_others_are_refused_403_on_a_profile_and_404_on_a_draft(client, owner, method):
    published = InitiativeFactory(published=True, owner=owner)
    draft = InitiativeFactory(owner=owner)
    client.force_login(UserFactory())

    for initiative, expected in ((published, 403), (draft, 404)):
        response = getattr(client, method)(_page(initiative), {"activities": ["repair_cafe"]})
        assert response.status_code == expected
        assert _codes(initiative) == []


def test_anonymous_visitors_are_asked_to_log_in(client, initiative):
    response = client.get(_page(initiative))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
