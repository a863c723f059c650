"""What the project's FilterSets share: code filters and "invalid means nothing, not all"."""

import django_filters
from django.db.models import QuerySet

from common.forms import CodeChoiceField


class CodeFilter(django_filters.Filter):
    """Equality with one of many codes; the choices are set per request (`extra["choices"]`)."""

    field_class = CodeChoiceField


class StrictFilterSet(django_filters.FilterSet):
    """An invalid value gives an empty result and a form error, never an unfiltered list."""

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            if self.is_bound and not self.form.is_valid():
                self._qs = self.queryset.none()
            else:
                self._qs = self.filtered()
        return self._qs

    def filtered(self) -> QuerySet:
        """The queryset with the (valid) filters applied; subclasses may refine it."""
        return super().qs
