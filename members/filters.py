"""The filters of the public member directory: province and type, as GET parameters.

A bad value (an unknown province code, a made-up type) is a form error shown on the page
and an empty list, never a server error.
"""

import django_filters
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, CodeChoiceField, FastSelect
from members.models import MemberOrganisation
from members.selectors import directory_members
from places.models import Province


class CodeFilter(django_filters.Filter):
    field_class = CodeChoiceField


def _normalised(data: QueryDict | None) -> QueryDict | None:
    """The province code in upper case, so `pv27` works as well as `PV27`."""
    if data is None:
        return None
    copy = data.copy()
    if copy.get("province"):
        copy["province"] = copy["province"].strip().upper()
    return copy


class MemberFilter(django_filters.FilterSet):
    province = CodeFilter(
        field_name="municipality__province", label=_("Province"), empty_label=_("All provinces")
    )
    type = django_filters.ChoiceFilter(
        choices=MemberOrganisation.Type.choices,
        label=_("Type of organisation"),
        empty_label=_("All types"),
        widget=FastSelect,
    )

    class Meta:
        model = MemberOrganisation
        fields: list[str] = []
        form = AccessibleForm

    def __init__(self, data: QueryDict | None = None, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(_normalised(data), *args, **kwargs)
        self.filters["province"].extra["choices"] = list(
            Province.objects.active().order_by("name").values_list("code", "name")
        )

    @property
    def qs(self) -> QuerySet[MemberOrganisation]:
        """The filtered directory; nothing at all when a value is invalid (the form says why)."""
        if not hasattr(self, "_qs"):
            if self.is_bound and not self.form.is_valid():
                self._qs = self.queryset.none()
            else:
                self._qs = super().qs
        return self._qs


def filtered_members(data: QueryDict | None) -> MemberFilter:
    """The filter set over the directory (active members only)."""
    return MemberFilter(data, queryset=directory_members())
