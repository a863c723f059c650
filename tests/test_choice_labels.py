"""common.i18n.choice_label: the labels Django's generated get_FOO_display() would give."""

from django.db import models
from django.utils import translation

from initiatives.models import Initiative, Need


def _django_display(instance: models.Model, name: str) -> object:
    return models.Model._get_FIELD_display(instance, instance._meta.get_field(name))


def test_the_same_labels_as_django_in_both_languages() -> None:
    cases = [
        (Initiative, "kind", Initiative.Kind),
        (Initiative, "status", Initiative.Status),
        (Need, "kind", Need.Kind),
    ]
    for language in ("nl", "en", "nl"):
        with translation.override(language):
            for model, name, choices in cases:
                for value in [*choices.values, "no-such-value", "", None]:
                    instance = model(**{name: value})
                    display = getattr(instance, f"get_{name}_display")()
                    assert display == _django_display(instance, name), (language, name, value)


def test_the_label_follows_the_active_language() -> None:
    garden = Initiative(kind=Initiative.Kind.COMMUNITY_GARDEN)
    with translation.override("en"):
        assert garden.get_kind_display() == "community garden"
    with translation.override("nl"):
        assert garden.get_kind_display() != "community garden"
