"""Autocomplete widgets for the admin that re-render a refused form without a 500.

Django's AutocompleteSelect looks the submitted ids up again to show the chosen options; a value
the related key cannot hold ("abc" for an integer id) raises ValueError there, so a hostile or
mistyped post answers 500 instead of the form with its error. These widgets leave such values
out of that look-up: the field's own error still says what was wrong.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest


class _HoldableValuesOnly:
    field: models.Field

    def _holdable(self, values: Iterable[Any]) -> list[Any]:
        remote = self.field.remote_field
        options = remote.model._meta
        target = options.get_field(getattr(remote, "field_name", None) or options.pk.name)
        kept = []
        for value in values:
            try:
                target.to_python(value)
            except ValidationError:
                continue
            kept.append(value)
        return kept

    def optgroups(self, name: str, value: list[Any], attr: dict | None = None) -> list:
        return super().optgroups(name, self._holdable(value), attr)  # type: ignore[misc]


class SafeAutocompleteSelect(_HoldableValuesOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_HoldableValuesOnly, AutocompleteSelectMultiple):
    pass


class SafeAutocompleteMixin:
    """For a ModelAdmin or inline with autocomplete_fields: the widgets above, not Django's."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:  # noqa: ANN001, ANN201
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:  # noqa: ANN001, ANN201
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
