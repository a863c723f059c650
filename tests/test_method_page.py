"""The public method page, and how LSA staff keep method versions in the admin."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from impact.method_admin import method_version_copy, method_version_publish
from impact.models import Indicator, MethodIndicator, MethodVersion
from impact.scoring import month_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_version():
    return MethodVersion.objects.get(code="2026.1")


@pytest.fixture
def second_version(first_version):
    """Version 2026.2: a dearer central hour, language lessons dropped, trees planted added."""
    draft = method_version_copy(version=first_version, user=None)
    draft.entries.filter(indicator__code="volunteer_hours").update(
        unit_value_central=Decimal("15.00")
    )
    draft.entries.filter(indicator__code="language_lesson_hours").delete()
    trees = Indicator.objects.create(
        code="trees_planted",
        name_nl="Geplante bomen",
        name_en="Trees planted",
        unit_nl="bomen",
        unit_en="trees",
    )
    MethodIndicator.objects.create(
        version=draft, indicator=trees, split="fixed", fixed_split={"15": "1"}
    )
    _say_why_counted(draft)
    draft.code = "2026.2"
    draft.name = "Social Handprint-methode, versie 2"
    draft.changes = "Centrale uurwaarde naar het nieuwe minimumloon."
    # Between 2026.1 and 2027.1 (valid from the day it was loaded)
    draft.valid_from = datetime.date(2026, 6, 1)
    draft.save()
    return method_version_publish(version=draft, user=None)


def _say_why_counted(draft: MethodVersion) -> None:
    """2026.1 predates the reasons a counted indicator now gives: a draft of it adds them."""
    draft.entries.filter(kind="counted").exclude(indicator__code="people_reached").update(
        not_valued_nl="Nog geen bron voor een prijs."
    )


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("lsa@example.org", "x"))
    return client


# --- The public page ------------------------------------------------------------------------


def test_method_page_shows_the_volunteer_hour_range_with_its_sources(client):
    response = client.get("/methode/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026.1" in html
    assert "€ 9,30" in html and "€ 14,71" in html and "€ 20,00" in html
    assert "Meijs, Erasmus Universiteit" in html
    assert "Van den Berg &amp; Ferrer-i-Carbonell" in html
    assert 'id="bruto"' in html
    assert html.count("<main") == 1


def test_method_page_lists_every_indicator_of_the_version(client, first_version):
    html = client.get(reverse("method")).content.decode()
    for entry in first_version.entries.select_related("indicator"):
        assert f'id="indicator-{entry.indicator.code}"' in html
        assert entry.indicator.name_nl in html


def test_method_page_shows_the_fixed_split_of_an_indicator(client):
    html = client.get(reverse("method_version", args=["2026.1"])).content.decode()
    section = html.split('id="indicator-waste_collected_kg"')[1].split("</section>")[0]
    assert 'sdg-11">11</span>' in section and 'sdg-12">12</span>' in section
    assert section.count("50 %") == 2


def test_method_page_shows_what_changed_in_a_later_version(client, second_version):
    client.cookies["taal"] = "en"
    html = client.get(reverse("method_version", args=["2026.2"])).content.decode()
    section = html.split('aria-labelledby="version-2"')[1].split("</section>")[0]
    assert "2026.2" in section and "Centrale uurwaarde naar het nieuwe minimumloon." in section
    assert "Compared with version 2026.1" in section
    assert "Added: Trees planted" in section
    assert "Removed: Language-lesson hours" in section
    assert "Changed: Volunteer hours" in section
    assert "<del>€ 14.71</del> → <ins>€ 15.00</ins>" in section
    # The first version has nothing to compare with.
    first = html.split('aria-labelledby="version-3"')[1].split("</section>")[0]
    assert "Compared with" not in first


def test_method_page_of_a_later_version_says_which_version_is_in_force(client, second_version):
    html = client.get(reverse("method_version", args=["2026.2"])).content.decode()
    assert 'class="notice"' in html and 'href="/methode/"' in html
    assert "€ 15,00" in html


@pytest.mark.parametrize("code", ["0.0", "2026.1-concept"])
def test_unknown_and_draft_versions_are_not_found(client, first_version, code):
    method_version_copy(version=first_version, user=None)
    assert client.get(reverse("method_version", args=[code])).status_code == 404


# --- Method versions in the admin -------------------------------------------------------------


def test_a_published_version_opens_read_only_in_the_admin(staff_client, first_version):
    url = reverse("admin:impact_methodversion_change", args=[first_version.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="entries-0-unit_value_central"' not in html
    assert "14.71" in html or "14,71" in html


def test_the_admin_refuses_to_save_a_published_version(staff_client, first_version):
    url = reverse("admin:impact_methodversion_change", args=[first_version.pk])
    response = staff_client.post(url, {"code": "2026.1", "name": "Anders"})
    assert response.status_code == 403
    first_version.refresh_from_db()
    assert first_version.name != "Anders"


def test_a_published_version_cannot_be_deleted_in_the_admin(staff_client, first_version):
    url = reverse("admin:impact_methodversion_delete", args=[first_version.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert MethodVersion.objects.filter(pk=first_version.pk).exists()


def test_copy_action_creates_a_draft_with_copies_of_the_entries(staff_client, first_version):
    response = staff_client.post(
        reverse("admin:impact_methodversion_changelist"),
        {"action": "copy_as_draft", "_selected_action": [first_version.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft = MethodVersion.objects.get(code="2026.1-concept")
    assert draft.published_at is None
    assert draft.valid_from == month_add(datetime.date.today().replace(day=1), 1)
    copied = draft.entries.get(indicator__code="volunteer_hours")
    assert (copied.unit_value_low, copied.unit_value_central, copied.unit_value_high) == (
        Decimal("9.30"),
        Decimal("14.71"),
        Decimal("20.00"),
    )
    assert draft.entries.count() == first_version.entries.count()


def test_copying_twice_gives_unique_codes_and_start_months(first_version):
    one = method_version_copy(version=first_version, user=None)
    two = method_version_copy(version=first_version, user=None)
    assert one.code == "2026.1-concept" and two.code == "2026.1-concept2"
    assert two.valid_from == month_add(one.valid_from, 1)


def test_a_draft_can_be_edited_in_the_admin(staff_client, first_version):
    draft = method_version_copy(version=first_version, user=None)
    html = staff_client.get(
        reverse("admin:impact_methodversion_change", args=[draft.pk])
    ).content.decode()
    assert 'name="_save"' in html and 'name="entries-0-unit_value_central"' in html


def _publish_action(staff_client, version):  # noqa: ANN001
    return staff_client.post(
        reverse("admin:impact_methodversion_changelist"),
        {"action": "publish", "_selected_action": [version.pk]},
        follow=True,
    )


def test_publish_refuses_a_fixed_split_that_does_not_add_up_to_one(staff_client, first_version):
    draft = method_version_copy(version=first_version, user=None)
    draft.code = "2026.2"
    draft.save()
    draft.entries.filter(indicator__code="waste_collected_kg").update(
        fixed_split={"11": "0.5", "12": "0.4"}
    )
    response = _publish_action(staff_client, draft)
    draft.refresh_from_db()
    assert draft.published_at is None
    [message] = response.context["messages"]
    assert message.level_tag == "error"
    assert "waste_collected_kg" in message.message and "0.9" in message.message


def test_publish_refuses_a_draft_that_still_has_its_draft_code(first_version):
    draft = method_version_copy(version=first_version, user=None)
    with pytest.raises(Exception, match="concept"):
        method_version_publish(version=draft, user=None)


def test_publish_action_publishes_a_complete_draft(staff_client, first_version):
    draft = method_version_copy(version=first_version, user=None)
    _say_why_counted(draft)
    draft.code = "2026.2"
    draft.save()
    response = _publish_action(staff_client, draft)
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


# --- The database guard -----------------------------------------------------------------------


def test_the_database_refuses_to_change_an_entry_of_a_published_version(first_version):
    entry = first_version.entries.get(indicator__code="volunteer_hours")
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodIndicator.objects.filter(pk=entry.pk).update(unit_value_central=Decimal("15.00"))
    entry.refresh_from_db()
    assert entry.unit_value_central == Decimal("14.71")


def test_the_database_refuses_to_add_an_entry_to_a_published_version(first_version):
    extra = Indicator.objects.create(
        code="extra", name_nl="Extra", name_en="Extra", unit_nl="x", unit_en="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodIndicator.objects.create(version=first_version, indicator=extra, split="own")


def test_the_database_refuses_to_change_a_published_version(first_version):
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodVersion.objects.filter(pk=first_version.pk).update(name="Anders")
