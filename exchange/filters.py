"""The filters of the exchange's lists: one FilterSet over public offers and one over approved
partners, each shared by the web list and the API.

Places are CBS codes as on the initiative list (`PV27`, `GM0363`, `WK036300`, in any case). An
offer counts in an area where it is available (exchange/selectors_partners.py: its own
gemeenten, else its partner's; a national partner everywhere); partners give per gemeente, so
a wijk stands for its gemeente. `need` (a kind of need: volunteers, money…) is read as the
category that answers it (models.CATEGORY_OF), so a need's page links to its offers without
knowing the categories; a category given beside it wins. Choices are loaded with one query
(initiatives.filters.active_places), so a page costs the same whatever is chosen; an unknown
value is a form error (the API's 400), never an unfiltered list.
"""

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from common.filters import CodeFilter, StrictFilterSet
from common.forms import AccessibleForm, FastSelect
from exchange.models import CATEGORY_OF, Category, Offer, Partner
from exchange.selectors_partners import (
    listed_partners,
    offers_in_area,
    partners_in_area,
    public_offers,
    with_places,
)
from initiatives.filters import PlaceOptions
from initiatives.models import SEARCH_CONFIG, Need

MAX_QUERY_LENGTH = 200
PLACE_FILTERS = ("province", "municipality", "district")
# A place filter's code → the condition on a `municipality` that it stands for.
AREAS = {
    "province": lambda code: Q(municipality__province_id=code),
    "municipality": lambda code: Q(municipality_id=code),
    "district": lambda code: Q(municipality__districts__code=code),
}


def _normalised(data: QueryDict | dict | None) -> QueryDict | None:
    """Codes in upper case, the search trimmed, and a known `need` read as its category."""
    if data is None:
        return None
    if isinstance(data, QueryDict):
        copy = data.copy()
    else:
        copy = QueryDict(mutable=True)
        copy.update(data)
    for key in PLACE_FILTERS:
        if copy.get(key):
            copy[key] = copy[key].strip().upper()
    if "q" in copy:
        copy["q"] = " ".join(copy["q"].split())
    need = copy.get("need", "")
    if need in Need.Kind.values:
        if not copy.get("category"):
            copy["category"] = CATEGORY_OF[Need.Kind(need)].value
        copy.pop("need")
    return copy


def _choices(places: list) -> list[tuple[str, str]]:
    return [(place.code, place.name) for place in places]


class _AreaFilterSet(StrictFilterSet):
    """Province, gemeente and wijk, each narrowed by the level above on the web form."""

    province = CodeFilter(method="in_area", label=_("Province"), empty_label=_("All provinces"))
    municipality = CodeFilter(
        method="in_area", label=_("Municipality"), empty_label=_("All municipalities")
    )
    district = CodeFilter(
        method="in_area", label=_("District (wijk)"), empty_label=_("All districts")
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices,
        label=_("What is offered"),
        empty_label=_("Everything"),
        widget=FastSelect,
    )
    kind = django_filters.ChoiceFilter(
        choices=Partner.Kind.choices,
        label=_("Kind of partner"),
        empty_label=_("All kinds"),
        widget=FastSelect,
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *args,  # noqa: ANN002
        narrow: bool = False,
        **kwargs,  # noqa: ANN003
    ) -> None:
        data = _normalised(data)
        self.places = PlaceOptions.load(data)
        if narrow and data is not None:
            self._drop_places_outside_their_parent(data)
        super().__init__(data, *args, **kwargs)
        province = (data or {}).get("province", "") if narrow else ""
        municipalities = self.places.municipalities_in(province)
        self.filters["province"].extra.update(
            choices=_choices(self.places.provinces),
            widget=FastSelect(cache_key=("province", self.places.version)),
        )
        self.filters["municipality"].extra.update(
            choices=_choices(municipalities),
            widget=FastSelect(cache_key=("municipality", self.places.version, province)),
        )
        self.filters["district"].extra.update(choices=_choices(self.places.districts))

    def _drop_places_outside_their_parent(self, data: QueryDict) -> None:
        """For the web form: a new province drops the gemeente and wijk chosen before it, a new
        gemeente the wijk (without JavaScript the old choice is submitted with the new one)."""
        parent = {m.code: m.parent for m in self.places.municipalities}
        province, municipality = data.get("province", ""), data.get("municipality", "")
        if province and municipality and parent.get(municipality) not in (None, province):
            data.pop("municipality", None)
            data.pop("district", None)
            self.places.districts = []
        elif municipality and data.get("district", "")[2:6] not in ("", municipality[2:6]):
            # A wijk's code carries its gemeente's number (WK0363xx in GM0363).
            data.pop("district", None)

    def in_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return self.area_filter(queryset, AREAS[name](value))

    def area_filter(self, queryset: QuerySet, area: Q) -> QuerySet:
        raise NotImplementedError


class OfferFilter(_AreaFilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=MAX_QUERY_LENGTH, label=_("Search"), strip=True
    )
    kind = django_filters.ChoiceFilter(
        field_name="partner__kind",
        choices=Partner.Kind.choices,
        label=_("Kind of partner"),
        empty_label=_("All kinds"),
        widget=FastSelect,
    )
    # Only an unknown kind reaches this filter (a known one became its category): its error.
    need = django_filters.ChoiceFilter(
        choices=Need.Kind.choices,
        method="answers_need",
        label=_("Answers a need for"),
        empty_label=_("Any need"),
        widget=FastSelect,
    )

    class Meta:
        model = Offer
        fields: list[str] = []
        form = AccessibleForm

    def area_filter(self, queryset: QuerySet, area: Q) -> QuerySet:
        return offers_in_area(queryset, area)

    def answers_need(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(category=CATEGORY_OF[Need.Kind(value)])

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Dutch full text over the title (weighted first) and the description."""
        if not value:
            return queryset
        query = SearchQuery(value, search_type="websearch", config=SEARCH_CONFIG)
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )

    def filtered(self) -> QuerySet[Offer]:
        """Best match first when searching, else newest first; a unique key last."""
        qs = super().filtered()
        if "rank" in qs.query.annotations:
            return qs.order_by("-rank", "-created_at", "-pk")
        return qs.order_by("-created_at", "-pk")


class PartnerFilter(_AreaFilterSet):
    category = django_filters.ChoiceFilter(
        choices=Category.choices,
        method="offers_category",
        label=_("What is offered"),
        empty_label=_("Everything"),
        widget=FastSelect,
    )

    class Meta:
        model = Partner
        fields: list[str] = []
        form = AccessibleForm

    def area_filter(self, queryset: QuerySet, area: Q) -> QuerySet:
        return partners_in_area(queryset, area)

    def offers_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(categories__contains=[value]) if value else queryset


def filtered_offers(data: QueryDict | None, *, narrow: bool = False) -> OfferFilter:
    """The filter set over public offers, with the places their cards show."""
    return OfferFilter(data, queryset=with_places(public_offers()), narrow=narrow)


def filtered_partners(data: QueryDict | None, *, narrow: bool = False) -> PartnerFilter:
    """The filter set over approved partners, with their gemeenten and open offers."""
    return PartnerFilter(data, queryset=listed_partners(), narrow=narrow)
