"""Method versions as LSA staff keep them: a draft copy is the whole method, publishing refuses
a draft with problems (the checks a method file must pass), and every part of a version is
shown in the admin, read-only once published."""

import dataclasses

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from impact.method_admin import method_version_copy
from impact.method_data import method_problems, method_read, version_problems
from impact.methods import method_spec
from impact.models import (
    Activity,
    MethodActivity,
    MethodConversion,
    MethodIndicator,
    MethodPrice,
    MethodRule,
    MethodVersion,
)
from sdgs.models import Target
from tests.admin_forms import rendered_form_data
from tests.method_publishing import publish_in_the_admin, publish_with_four_eyes

pytestmark = pytest.mark.django_db

TABLES = (MethodIndicator, MethodPrice, MethodConversion, MethodActivity, MethodRule)


@pytest.fixture
def v2027():
    return MethodVersion.objects.get(code="2027.1")


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("lsa@example.org", "x"))
    return client


def _rows(model, version) -> list[dict]:  # noqa: ANN001
    """The version's rows of one table, without their own id and version."""
    return [
        {k: v for k, v in row.items() if k not in ("id", "version_id")}
        for row in model.objects.filter(version=version).order_by("position", "pk").values()
    ]


def _draft(version: MethodVersion, code: str = "2028.1") -> MethodVersion:
    draft = method_version_copy(version=version, user=None)
    draft.code = code
    draft.save()
    return draft


# --- Copying ------------------------------------------------------------------------------------


def test_a_copy_of_2027_1_has_every_row_of_every_table(v2027):
    draft = method_version_copy(version=v2027, user=None)

    assert draft.published_at is None
    for model in TABLES:
        assert model.objects.filter(version=v2027).exists(), model.__name__
        assert model.objects.filter(version=draft).count() == (
            model.objects.filter(version=v2027).count()
        ), model.__name__


def test_a_copy_of_2027_1_copies_every_field(v2027):
    draft = method_version_copy(version=v2027, user=None)

    for model in TABLES:
        assert _rows(model, draft) == _rows(model, v2027), model.__name__


def test_a_copy_of_2027_1_values_exactly_as_the_original(v2027):
    draft = method_version_copy(version=v2027, user=None)

    assert dataclasses.replace(method_spec(draft), version=v2027.code) == method_spec(v2027)
    assert version_problems(draft) == []


# --- Publishing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["2027.1", "2027.2"])
def test_a_loaded_version_passes_the_same_checks_as_its_file(code):
    targets = set(Target.objects.values_list("code", flat=True))

    assert method_problems(method_read(code), targets) == []
    assert version_problems(MethodVersion.objects.get(code=code)) == []


def test_publish_refuses_a_draft_with_a_dangling_price_code(v2027):
    draft = _draft(v2027)
    draft.entries.filter(indicator__code="repairs").update(price_codes=["no_such_price"])

    with pytest.raises(ValidationError) as refused:
        publish_with_four_eyes(draft)

    assert any("repairs" in m and "no_such_price" in m for m in refused.value.messages)
    draft.refresh_from_db()
    assert draft.published_at is None


def test_the_admin_shows_why_a_draft_with_a_dangling_price_code_is_not_published(
    staff_client, v2027
):
    draft = _draft(v2027)
    draft.entries.filter(indicator__code="repairs").update(price_codes=["no_such_price"])

    response = publish_in_the_admin(staff_client, draft)

    assert response.status_code == 200
    [message] = response.context["messages"]
    assert message.level_tag == "error"
    assert "2028.1" in message.message
    assert "repairs" in message.message and "no_such_price" in message.message
    draft.refresh_from_db()
    assert draft.published_at is None


def test_the_admin_escapes_the_codes_it_names_in_a_problem(staff_client, v2027):
    draft = _draft(v2027)
    draft.entries.filter(indicator__code="repairs").update(price_codes=["<b>vet</b>"])

    response = publish_in_the_admin(staff_client, draft)

    html = response.content.decode()
    assert "&lt;b&gt;vet&lt;/b&gt;" in html and "<b>vet</b>" not in html
    assert "<li>" in str(list(response.context["messages"])[0].message)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"target_split": ["not", "a", "split"]}, "repair_cafe"),
        ({"target_split": {"12.5": "0.5"}}, "0.5"),
        ({"indicator_codes": ["no_such_indicator"]}, "no_such_indicator"),
        ({"indicator_codes": 42}, "repair_cafe"),
    ],
)
def test_publish_refuses_broken_activity_data_without_failing(v2027, change, expected):
    draft = _draft(v2027)
    draft.activities.filter(activity__code="repair_cafe").update(**change)

    with pytest.raises(ValidationError) as refused:
        publish_with_four_eyes(draft)

    assert any(expected in m for m in refused.value.messages), refused.value.messages


@pytest.mark.parametrize(
    "change",
    [
        {"fixed_split": "12.5"},
        {"fixed_split": {"12.5": {"nested": 1}}},
        {"price_codes": "co2_envprice_cedelft2023"},
        {"conversion_codes": [1, 2]},
    ],
)
def test_publish_refuses_malformed_entry_data_without_failing(v2027, change):
    draft = _draft(v2027)
    draft.entries.filter(indicator__code="repairs").update(**change)

    with pytest.raises(ValidationError) as refused:
        publish_with_four_eyes(draft)

    assert any("repairs" in m for m in refused.value.messages), refused.value.messages


def test_publish_refuses_a_used_price_without_a_reason_in_english(v2027):
    draft = _draft(v2027)
    MethodPrice.objects.filter(version=draft, code="informal_care_hour").update(
        low=None, central=None, high=None, unused_nl="Niet gebruikt.", unused_en=""
    )

    with pytest.raises(ValidationError) as refused:
        publish_with_four_eyes(draft)

    assert any("informal_care_hour" in m for m in refused.value.messages)


def test_publish_of_a_clean_copy_of_2027_1_works(staff_client, v2027):
    draft = _draft(v2027)

    response = publish_in_the_admin(staff_client, draft)

    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    draft.refresh_from_db()
    assert draft.published_at is not None
    for model in TABLES:
        assert _rows(model, draft) == _rows(model, v2027), model.__name__


# --- The admin pages ------------------------------------------------------------------------------

INLINE_FIELDS = [
    "entries-0-kind",
    "entries-0-price_codes",
    "entries-0-plausibility_max",
    "prices-0-central",
    "prices-0-source_title",
    "conversions-0-central",
    "activities-0-target_split",
    "rules-0-text_nl",
]


def test_a_published_versions_parts_are_shown_read_only(staff_client, v2027):
    url = reverse("admin:impact_methodversion_change", args=[v2027.pk])

    response = staff_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    for name in INLINE_FIELDS:
        assert f'name="{name}"' not in html, name
    price = MethodPrice.objects.filter(version=v2027).order_by("position").first()
    rule = v2027.rules.order_by("position").first()
    assert price.code in html and rule.title_nl in html


def test_a_post_to_a_published_version_is_refused_and_changes_nothing(staff_client, v2027):
    url = reverse("admin:impact_methodversion_change", args=[v2027.pk])
    before = {model.__name__: _rows(model, v2027) for model in TABLES}
    price = MethodPrice.objects.filter(version=v2027).order_by("position").first()

    response = staff_client.post(
        url,
        {
            "code": "2027.1",
            "name": "Anders",
            "prices-TOTAL_FORMS": "1",
            "prices-INITIAL_FORMS": "1",
            "prices-0-id": str(price.pk),
            "prices-0-central": "1",
        },
    )

    assert response.status_code == 403
    assert {model.__name__: _rows(model, v2027) for model in TABLES} == before


def test_a_drafts_parts_can_be_edited_and_saved_whole(staff_client, v2027):
    draft = method_version_copy(version=v2027, user=None)
    url = reverse("admin:impact_methodversion_change", args=[draft.pk])
    html = staff_client.get(url).content.decode()
    for name in INLINE_FIELDS:
        assert f'name="{name}"' in html, name

    # Staff change one rule's text and save the page as rendered: every other row stays as it was.
    data = rendered_form_data(html)
    data["rules-0-title_en"] = ["Transfers are never a value"]
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and [
        (form.prefix, form.errors)
        for inline in response.context["inline_admin_formsets"]
        for form in inline.formset
        if form.errors
    ] + [response.context["adminform"].form.errors]
    assert draft.rules.order_by("position").first().title_en == "Transfers are never a value"
    for model in (MethodIndicator, MethodPrice, MethodConversion, MethodActivity):
        assert _rows(model, draft) == _rows(model, v2027), model.__name__


def test_the_activity_catalogue_keeps_its_codes(staff_client):
    add = reverse("admin:impact_activity_add")
    response = staff_client.post(
        add,
        {"code": "buurtbus", "name_nl": "Buurtbus", "name_en": "Neighbourhood bus"},
    )
    assert response.status_code == 302
    activity = Activity.objects.get(code="buurtbus")

    change = reverse("admin:impact_activity_change", args=[activity.pk])
    html = staff_client.get(change).content.decode()
    assert 'name="code"' not in html and 'name="name_nl"' in html
    staff_client.post(change, {"code": "anders", "name_nl": "Buurtbus", "name_en": "Bus"})
    activity.refresh_from_db()
    assert activity.code == "buurtbus" and activity.name_en == "Bus"
