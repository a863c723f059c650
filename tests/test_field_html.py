"""common.forms.field_html writes what {% include "includes/field.html" %} writes."""

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from common.forms import AccessibleForm, FastSelect, field_html
from initiatives.filters import filtered_initiatives

INCLUDE = Template('{% include "includes/field.html" %}')


class Everything(AccessibleForm):
    honeypot_field = "website"

    q = forms.CharField(label="Zoek <iets> & meer", required=False, max_length=5)
    name = forms.CharField(label="Naam", required=True)
    helped = forms.CharField(label="Met hulp", required=False, help_text="Bijvoorbeeld <b>x</b>")
    kind = forms.ChoiceField(
        label="Soort", required=False, choices=[("", "Alle"), ("a", "A & B")], widget=FastSelect
    )
    pick = forms.ChoiceField(
        label="Kies", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    agree = forms.BooleanField(label="Akkoord", required=False)
    many = forms.MultipleChoiceField(
        label="Meer", required=False, choices=[("a", "A")], widget=forms.CheckboxSelectMultiple
    )
    website = forms.CharField(label="Website", required=False)


def _same(form: forms.Form) -> None:
    for field in form:
        expected = INCLUDE.render(Context({"field": field, "form": form}))
        assert field_html(field) == expected, field.name


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": "ok", "name": "x", "kind": "a", "pick": "b", "agree": "on"},
        {"q": "much too long", "kind": "nope", "pick": "z", "many": ["q"]},  # every error
    ],
)
def test_field_html_is_the_include_for_every_kind_of_field(language: str, data) -> None:  # noqa: ANN001
    with translation.override(language):
        _same(Everything(data))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "moestuin", "kind": "garden", "ordering": "hours"},
        {"municipality": "GM9999", "sdg": "99", "ordering": "bogus"},  # errors
        {"q": "x" * 300},
    ],
)
def test_field_html_is_the_include_on_the_filter_form(language: str, query: dict) -> None:
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update(query)
    with translation.override(language):
        form = filtered_initiatives(data or None, narrow=True).form
        _same(form)
