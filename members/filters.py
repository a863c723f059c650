"""The filters of the public member directory: province and type, as GET parameters.

A bad value (an unknown province code, a made-up type) is a form error shown on the page
and an empty list, never a server error.
"""

import django_filters
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from common.filters import CodeFilter, StrictFilterSet
from common.forms import AccessibleForm, FastSelect
from members.models import MemberOrganisation
from members.selectors import directory_members
from places.models import Province


def _normalised(data: QueryDict | None) -> QueryDict | None:
    """The province code in upper case, so `pv27` works as well as `PV27`."""
    if data is None:
        return None
    copy = data.copy()
    if copy.get("province"):
        copy["province"] = copy["province"].strip().upper()
    return copy


class MemberFilter(StrictFilterSet):
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


def filtered_members(data: QueryDict | None) -> MemberFilter:
    """The filter set over the directory (active members only)."""
    return MemberFilter(data, queryset=directory_members())
