"""The one set of filters over published initiatives: the web list, its exports and the API.

Place filters take CBS codes (`GM0363`, `WK036300`, in any case). Each filter's choices are
loaded in one query, which also validates the value, so a page costs the same number of
queries whatever is chosen. An unknown code is a validation error, not an empty page.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.filters import CodeFilter, StrictFilterSet
from common.forms import AccessibleForm, FastSelect
from initiatives.hooks import with_hours_last_12_months
from initiatives.models import SEARCH_CONFIG, Initiative, Need, Theme
from initiatives.search import corrected_search
from places.models import District, Municipality, Neighbourhood, Province
from places.validators import is_cbs_code
from sdgs.models import Goal

MAX_QUERY_LENGTH = 200
CODE_FILTERS = ("province", "municipality", "district", "neighbourhood")
ORDERINGS = [
    ("relevance", _("relevance")),
    ("newest", _("newest first")),
    ("name", _("name (A–Z)")),
    ("hours", _("most volunteer hours")),
]


def _normalised(data: QueryDict | dict | None) -> QueryDict | None:
    """Codes in upper case and the search trimmed, so `gm0363` and ` moestuin ` just work."""
    if data is None:
        return None
    copy = data.copy() if isinstance(data, QueryDict) else QueryDict(mutable=True)
    if not isinstance(data, QueryDict):
        for key, value in data.items():
            copy[key] = value
    copy._mutable = True
    for key in CODE_FILTERS:
        if copy.get(key):
            copy[key] = copy[key].strip().upper()
    if "q" in copy:
        copy["q"] = " ".join(copy["q"].split())
    if not copy.get("ordering"):
        # Said out loud, so the form shows the order the list really has.
        copy["ordering"] = "relevance" if copy.get("q") else "newest"
    return copy


class Place(NamedTuple):
    code: str
    name: str
    parent: str = ""


def _places(queryset: QuerySet, parent: str | None = None) -> list[Place]:
    # Plain tuples: building 342 model instances per page cost more than the page's SQL.
    fields = ["code", "name"] + ([parent] if parent else [])
    return [Place(*row) for row in queryset.order_by("name").values_list(*fields)]


# The active provinces and gemeenten with the version they were read at (see active_places).
_active_places: tuple[tuple, list[Place], list[Place]] | None = None


def places_version() -> tuple:
    """A version of the province, gemeente, theme and SDG tables that changes with any write
    to them: the filter form's long-lived choices.

    Per table: the number of rows, the sum of their `xmin` (the transaction that wrote each
    row's current version) and a sum of hashes of their `ctid` (where it is stored). An
    import, an admin save, a bulk or raw update all write new row versions: a later
    transaction raises the sum of `xmin`, and a write within the reader's own transaction
    (a test) moves the row. No timestamps to keep. One query over about 400 rows, cheaper
    than reading them and building their choices again.
    """
    parts = []
    for model in (Province, Municipality, Theme, Goal):
        table = model._meta.db_table
        columns = "ARRAY[count(*), sum(xmin::text::bigint), sum(hashtext(ctid::text))]"
        parts.append(f"(SELECT {columns} FROM {table})")  # noqa: S608 - a table name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(tuple(part) for part in cursor.fetchone())


def active_places() -> tuple[tuple, list[Place], list[Place]]:
    """(version, provinces, gemeenten), read again only when the version has changed.

    Every list page offers all 342 gemeenten; they change with a CBS import. The lists are
    shared and must not be changed by the caller.
    """
    global _active_places
    version = places_version()
    cached = _active_places
    if cached is None or cached[0] != version:
        # Read after the version: a write in between gives a newer version next time. Both
        # levels in one query, so a page that reads them costs no more queries than before.
        provinces = (
            Province.objects.active()
            .annotate(parent=Value(""))
            .values_list("code", "name", "parent")
        )
        municipalities = Municipality.objects.active().values_list("code", "name", "province_id")
        rows = provinces.annotate(level=Value(0)).union(
            municipalities.annotate(level=Value(1)), all=True
        )
        by_level: tuple[list[Place], list[Place]] = ([], [])
        for code, name, parent, level in rows.order_by("level", "name"):
            by_level[level].append(Place(code, name, parent))
        cached = (version, *by_level)
        _active_places = cached
    return cached


# (theme choices, SDG choices) by (places_version, language): see reference_choices.
_reference_choices: dict[tuple, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
_REFERENCE_KEPT = 16


def reference_choices(version: tuple) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The active themes and the SDGs as (value, label) choices in the active language, read
    again (two queries) only when `version` (places_version, which covers both tables) has
    changed. The lists are shared and must not be changed by the caller."""
    key = (version, get_language())
    found = _reference_choices.get(key)
    if found is None:
        found = (
            [(theme.slug, theme.name) for theme in Theme.objects.filter(is_active=True)],
            [(str(goal.number), f"{goal.number}. {goal.name}") for goal in Goal.objects.all()],
        )
        if len(_reference_choices) >= _REFERENCE_KEPT:
            _reference_choices.clear()  # old versions: start again
        _reference_choices[key] = found
    return found


@dataclass
class PlaceOptions:
    """The places a visitor can choose from, each level narrowed by the level above."""

    provinces: list[Place] = field(default_factory=list)
    municipalities: list[Place] = field(default_factory=list)  # parent: the province
    districts: list[Place] = field(default_factory=list)  # parent: the gemeente
    neighbourhoods: list[Place] = field(default_factory=list)  # parent: the wijk
    version: tuple = ()  # of the places, themes and SDGs (places_version)

    @classmethod
    def load(cls, data: QueryDict | None) -> "PlaceOptions":
        # Only well-formed codes reach the database here; anything else fails validation later.
        data = {
            key: value
            for key in CODE_FILTERS
            if (value := (data or {}).get(key, "")) and is_cbs_code(value)
        }
        version, provinces, municipalities = active_places()
        options = cls(provinces=provinces, municipalities=municipalities, version=version)
        district, municipality = data.get("district", ""), data.get("municipality", "")
        if municipality or district:
            # The chosen gemeente's wijken; with only a wijk in the URL, that wijk's siblings.
            parent = (
                Q(municipality_id=municipality)
                if municipality
                else Q(
                    municipality_id__in=District.objects.filter(code=district).values(
                        "municipality"
                    )
                )
            )
            options.districts = _places(District.objects.filter(parent), "municipality_id")
        neighbourhood = data.get("neighbourhood", "")
        if district or neighbourhood:
            parent = (
                Q(district_id=district)
                if district
                else Q(
                    district_id__in=Neighbourhood.objects.filter(code=neighbourhood).values(
                        "district"
                    )
                )
            )
            options.neighbourhoods = _places(Neighbourhood.objects.filter(parent), "district_id")
        return options

    def municipalities_in(self, province_code: str) -> list[Place]:
        if not province_code:
            return self.municipalities
        return [m for m in self.municipalities if m.parent == province_code]


def _code_choices(places: list[Place]) -> list[tuple[str, str]]:
    return [(place.code, place.name) for place in places]


class InitiativeFilter(StrictFilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=MAX_QUERY_LENGTH, label=_("Search"), strip=True
    )
    province = CodeFilter(
        field_name="municipality__province", label=_("Province"), empty_label=_("All provinces")
    )
    municipality = CodeFilter(
        field_name="municipality", label=_("Municipality"), empty_label=_("All municipalities")
    )
    district = CodeFilter(
        field_name="district", label=_("District (wijk)"), empty_label=_("All districts")
    )
    neighbourhood = CodeFilter(
        field_name="neighbourhood",
        label=_("Neighbourhood (buurt)"),
        empty_label=_("All neighbourhoods"),
    )
    theme = CodeFilter(field_name="themes__slug", label=_("Theme"), empty_label=_("All themes"))
    sdg = CodeFilter(field_name="goal_links__goal", label=_("SDG"), empty_label=_("All SDGs"))
    kind = django_filters.ChoiceFilter(
        choices=Initiative.Kind.choices, label=_("Kind"), empty_label=_("All kinds")
    )
    need = django_filters.ChoiceFilter(
        choices=Need.Kind.choices,
        method="with_open_need",
        label=_("Open need"),
        empty_label=_("Any or none"),
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERINGS, method="order", label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Initiative
        fields: list[str] = []
        form = AccessibleForm

    def __init__(
        self,
        data: QueryDict | None = None,
        *args,  # noqa: ANN002
        narrow: bool = False,
        **kwargs,  # noqa: ANN003
    ) -> None:
        data = _normalised(data)
        super().__init__(data, *args, **kwargs)
        self.corrected_q: str | None = None
        self.places = PlaceOptions.load(data)
        if narrow and data is not None:
            self._drop_places_outside_their_parent(data)
        theme_choices, sdg_choices = reference_choices(self.places.version)
        choices = {
            "province": _code_choices(self.places.provinces),
            "municipality": _code_choices(
                self.places.municipalities_in(data.get("province", ""))
                if narrow and data is not None
                else self.places.municipalities
            ),
            "district": _code_choices(self.places.districts),
            "neighbourhood": _code_choices(self.places.neighbourhoods),
            "theme": theme_choices,
            "sdg": sdg_choices,
        }
        for name, options in choices.items():
            self.filters[name].extra["choices"] = options
        # The two long lists come from active_places: written once per version and language.
        narrowed_to = data.get("province", "") if narrow and data is not None else None
        self.filters["province"].extra["widget"] = FastSelect(
            cache_key=("province", self.places.version)
        )
        self.filters["municipality"].extra["widget"] = FastSelect(
            cache_key=("municipality", self.places.version, narrowed_to)
        )
        for name in ("theme", "sdg"):
            self.filters[name].extra["widget"] = FastSelect(cache_key=(name, self.places.version))
        for choice_filter in self.filters.values():
            if isinstance(choice_filter, django_filters.ChoiceFilter):
                choice_filter.extra["widget"] = FastSelect
        # The live filters leave a default out of the URL, so shared links stay short.
        default_order = "relevance" if data is not None and data.get("q") else "newest"
        self.filters["ordering"].extra["widget"] = FastSelect(attrs={"data-default": default_order})

    def _drop_places_outside_their_parent(self, data: QueryDict) -> None:
        """For the web form: a new province or gemeente resets the choices below it.

        Without JavaScript a visitor changes the province and submits with the old gemeente
        still selected; dropping it shows the new province instead of an empty list.
        """
        municipalities = {m.code: m for m in self.places.municipalities}
        districts = {d.code: d for d in self.places.districts}
        levels = list(CODE_FILTERS)

        def drop_from(level: str) -> None:
            for name in levels[levels.index(level) :]:
                data.pop(name, None)
            if level in ("municipality", "province"):
                self.places.districts = []
            if level != "neighbourhood":
                self.places.neighbourhoods = []

        municipality = municipalities.get(data.get("municipality", ""))
        district = districts.get(data.get("district", ""))
        province = data.get("province", "")
        if province and municipality and municipality.parent != province:
            drop_from("municipality")
        elif data.get("municipality") and data.get("district") and district is None:
            drop_from("district")
        elif (
            province
            and district
            and municipalities.get(district.parent)
            and (municipalities[district.parent].parent != province)
        ):
            drop_from("district")
        if (
            data.get("neighbourhood")
            and data.get("district")
            and not any(n.code == data["neighbourhood"] for n in self.places.neighbourhoods)
        ):
            drop_from("neighbourhood")

    def filtered(self) -> QuerySet[Initiative]:
        """The filtered list, in the default order when none was chosen."""
        qs = super().filtered()
        if not (self.form.is_bound and self.form.cleaned_data.get("ordering")):
            qs = self.order(qs, "ordering", "")
        return qs

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Dutch full text (stemmed, accents folded); with no match at all, typos corrected.

        `corrected_q` tells the page what was searched instead ("moestuiin" → "moestuin").
        The search runs before the other filters, so a word counts as known anywhere.
        """
        if not value:
            return queryset
        query = SearchQuery(value, search_type="websearch", config=SEARCH_CONFIG)
        if not queryset.filter(search_vector=query).exists():
            corrected = corrected_search(value)
            if corrected:
                self.corrected_q = corrected
                query = SearchQuery(corrected, search_type="websearch", config=SEARCH_CONFIG)
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )

    def with_open_need(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        open_needs = Need.objects.filter(
            initiative=OuterRef("pk"), kind=value, status=Need.Status.OPEN
        )
        return queryset.filter(Exists(open_needs))

    def order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        searching = "rank" in queryset.query.annotations
        value = value or ("relevance" if searching else "newest")
        if value == "relevance" and searching:
            return queryset.order_by("-rank", "name", "pk")
        if value == "name":
            return queryset.order_by("name", "pk")
        if value == "hours":
            return with_hours_last_12_months(queryset).order_by(
                F("hours_12m").desc(nulls_last=True), "name", "pk"
            )
        return queryset.order_by("-published_at", "-pk")


def filtered_initiatives(data: QueryDict | None, *, narrow: bool = False) -> InitiativeFilter:
    """The filter set over published initiatives, with their places for the list cards."""
    base = Initiative.objects.published().select_related("municipality", "district")
    return InitiativeFilter(data, queryset=base, narrow=narrow)
