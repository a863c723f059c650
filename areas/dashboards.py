"""The area pages' reads: a province, gemeente, wijk or buurt with its figures and sub-areas.

A page costs the same few queries whatever the number of sub-areas or initiatives: live
counts grouped by sub-area (one query for initiatives, one for open needs), the sub-areas,
the area's stored 12-month aggregates under the current and the previous method version (one
query: the page shows the first and compares the two), the totals of all its sub-areas' in
one query, and the exchange's match figures of the area and each sub-area in one more
(exchange.figures).

The area pages are where the reference geography meets the registry, so this module reads
`places`, `initiatives`, `impact`, `funding` and `exchange` from the layer above them
(`areas/__init__.py`).
"""

import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from html import escape  # Django's escape, without its lazy-text wrapper per call
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.numbers import floatformat_with, intcomma_with, separators
from exchange.figures import EMPTY as NO_MATCHES
from exchange.figures import AreaFigures, MatchFigures, area_figures
from funding.selectors import awarded_in_area
from impact.changes import area_changes_between, area_handprint_pair
from impact.figure import handprint_svg
from impact.models import AreaHandprint
from impact.scoring import month_add, rolling_window
from impact.selectors import (
    AreaActivityRow,
    AreaGoalTargets,
    AreaSdgRow,
    area_activity_rows,
    area_handprints,
    area_sdg_rows,
    area_sdg_targets,
    kind_subtotals,
)
from initiatives.cards import area_cards_html
from initiatives.models import Initiative, Need
from places.maps import AreaMap, MapArea, choropleth
from places.models import District, Municipality, Neighbourhood, Place, Province

NEWEST = 15
# The exchange's list of partners' offers, filtered like the initiative list (`?municipality=`).
OFFERS_URL_NAME = "exchange_offers"
TEN_THOUSAND = Decimal(10_000)
PUBLISHED = Initiative.Status.PUBLISHED


@dataclass(frozen=True)
class Level:
    key: str  # also the initiative list's filter parameter for this level
    model: type[Place]
    initiative_field: str  # the lookup from an initiative to its area of this level
    parent_field: str | None  # the field of this level's model that points at the level above
    child: str | None  # the level below
    map_layer: str | None  # the boundaries of the level below, drawn on this level's page
    title: Promise
    plural: Promise


LEVELS = {
    "province": Level(
        "province",
        Province,
        "municipality__province",
        None,
        "municipality",
        "municipalities",
        gettext_lazy("Province %(name)s"),
        gettext_lazy("Provinces"),
    ),
    "municipality": Level(
        "municipality",
        Municipality,
        "municipality",
        "province",
        "district",
        "districts",
        gettext_lazy("Municipality %(name)s"),
        gettext_lazy("Municipalities"),
    ),
    "district": Level(
        "district",
        District,
        "district",
        "municipality",
        "neighbourhood",
        None,
        gettext_lazy("District %(name)s"),
        gettext_lazy("Districts"),
    ),
    "neighbourhood": Level(
        "neighbourhood",
        Neighbourhood,
        "neighbourhood",
        "district",
        None,
        None,
        gettext_lazy("Neighbourhood %(name)s"),
        gettext_lazy("Neighbourhoods"),
    ),
}


def per_10000(amount: Decimal | int | None, population: int | None) -> Decimal | None:
    """Amount per 10,000 inhabitants to two decimals; None when either is unknown."""
    if amount is None or not population:
        return None
    return (Decimal(amount) * TEN_THOUSAND / population).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@dataclass
class AreaRow:
    """One line of the sub-area table (or its total): live counts and the 12-month figures."""

    code: str
    name: str
    url: str
    population: int | None
    is_active: bool
    initiatives: int
    open_needs: int
    handprint: AreaHandprint | None
    # An area without a stored aggregate had nothing to sum, if its parent was computed.
    computed: bool
    # The exchange's match figures over the last 12 months up to today (exchange.figures).
    exchange: MatchFigures = NO_MATCHES

    @cached_property  # the rows are not changed once built; sorting reads it three times
    def initiatives_per_10000(self) -> Decimal | None:
        return per_10000(self.initiatives, self.population)

    def _figure(self, name: str) -> Any:
        if self.handprint is not None:
            return getattr(self.handprint, name)
        return 0 if self.computed else None

    @property
    def volunteer_hours(self) -> Decimal | None:
        return self._figure("volunteer_hours")

    @property
    def volunteers(self) -> int | None:
        return self._figure("volunteers")

    @property
    def people(self) -> int | None:
        return self._figure("people")

    @property
    def value_central(self) -> Decimal | None:
        return self._figure("value_central")


@lru_cache(maxsize=32_768)
def _name_key(name: str) -> str:
    """Sorts "Súdwest-Fryslân" under S and "'s-Gravenhage" under G, ignoring case."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return letters.removeprefix("'s-").removeprefix("'t ").lstrip("'- ")


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: Promise
    value: Callable[[AreaRow], Any]
    numeric: bool


SORT_COLUMNS = (
    SortColumn("name", gettext_lazy("Name"), lambda r: _name_key(r.name), False),
    SortColumn("code", gettext_lazy("CBS code"), lambda r: r.code, False),
    SortColumn("population", gettext_lazy("Inhabitants"), lambda r: r.population, True),
    SortColumn("initiatives", gettext_lazy("Initiatives"), lambda r: r.initiatives, True),
    SortColumn(
        "per_10000",
        gettext_lazy("Initiatives per 10,000 inhabitants"),
        lambda r: r.initiatives_per_10000,
        True,
    ),
    SortColumn(
        "hours",
        gettext_lazy("Volunteer hours (last 12 months)"),
        lambda r: r.volunteer_hours,
        True,
    ),
    SortColumn("needs", gettext_lazy("Open needs"), lambda r: r.open_needs, True),
)
SORTS = {column.key: column for column in SORT_COLUMNS}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class SortHeader:
    column: SortColumn
    aria_sort: str | None  # "ascending" / "descending" on the sorted column
    url: str  # "?sort=…": the other direction if sorted by it, else its natural first order


def parse_sort(value: str | None) -> tuple[str, bool]:
    """(column, descending) from "hours" or "-hours"; anything unknown gives the default."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key not in SORTS:
        return DEFAULT_SORT, False
    return key, descending


def sort_rows(rows: list[AreaRow], key: str, descending: bool) -> list[AreaRow]:
    """Rows sorted by a column; unknown values (no population, nothing computed) go last."""
    column = SORTS[key]
    by_name = sorted(rows, key=lambda r: (_name_key(r.name), r.code))
    values = [(column.value(r), r) for r in by_name]
    known = [(value, r) for value, r in values if value is not None]
    unknown = [r for value, r in values if value is None]
    # Stable: rows with equal values stay in name order, as before.
    ordered = sorted(known, key=lambda pair: pair[0], reverse=descending)
    return [r for _value, r in ordered] + unknown


def sort_headers(key: str, descending: bool) -> list[SortHeader]:
    headers = []
    for column in SORT_COLUMNS:
        if column.key == key:
            aria = "descending" if descending else "ascending"
            target = column.key if descending else f"-{column.key}"
        else:
            aria = None
            target = f"-{column.key}" if column.numeric else column.key
        headers.append(SortHeader(column, aria, f"?{urlencode({'sort': target})}"))
    return headers


@dataclass(frozen=True)
class NeedCount:
    kind: str
    label: str
    count: int
    url: str


@dataclass
class AreaTable:
    """The area's sub-areas with their figures, sorted, and the area's own total row."""

    level: Level
    child: Level | None
    area: Place
    total: AreaRow
    rows: list[AreaRow]
    sort_key: str
    sort_descending: bool
    open_needs: list[NeedCount]
    # The area's aggregate under the previous method version, while it is kept.
    previous_handprint: AreaHandprint | None = None
    # The match figures of the area and its sub-areas (the totals are on the rows too).
    exchange: AreaFigures | None = None

    @property
    def headers(self) -> list[SortHeader]:
        return sort_headers(self.sort_key, self.sort_descending)

    @property
    def exchange_rows(self) -> list[AreaRow]:
        """The sub-areas where the exchange counted anything, by name."""
        return sort_rows([r for r in self.rows if not r.exchange.is_empty], DEFAULT_SORT, False)

    @property
    def rows_html(self) -> SafeString:
        return rows_html(self.rows)


_ROW = (
    '\n      <tr>\n        <th scope="row"><a href="{url}">{name}</a>{inactive}</th>'
    "\n        <td>{code}</td>"
    '\n        <td class="num">{population}</td>'
    '\n        <td class="num">{initiatives}</td>'
    '\n        <td class="num">{per_10000}</td>'
    '\n        <td class="num">{hours}</td>'
    '\n        <td class="num">{needs}</td>'
    "\n      </tr>\n      "
)


def rows_html(rows: list[AreaRow]) -> SafeString:
    """The sub-area table's rows, the markup `_area_sub_areas.html` wrote row by row.

    Amsterdam has about 110 wijken, the largest province 44 gemeenten: through the template
    engine each row cost about 50 µs, more than the statement that counts them. Every text is
    escaped here as the template escaped it; tests/test_area_pages.py compares the two.
    """
    # Not inside the f-string: xgettext does not read calls in f-strings (the text went
    # untranslated when it was).
    note = _("no longer in the current CBS edition")
    inactive = f' <span class="meta">({escape(note)})</span>'
    seps = separators()
    return mark_safe(  # noqa: S308 - every interpolated text is escaped or a formatted number
        "".join(
            _ROW.format(
                url=escape(row.url),
                name=escape(row.name),
                inactive="" if row.is_active else inactive,
                code=escape(row.code),
                population=intcomma_with("–" if row.population is None else row.population, seps),
                initiatives=intcomma_with(row.initiatives, seps),
                per_10000=floatformat_with(row.initiatives_per_10000, "1g", seps) or "–",
                hours=floatformat_with(row.volunteer_hours, "-1g", seps) or "–",
                needs=intcomma_with(row.open_needs, seps),
            )
            for row in rows
        )
    )


def initiative_list_url(level: Level, code: str, **extra: str) -> str:
    return f"{reverse('initiative_list')}?{urlencode({level.key: code, **extra})}"


def _children(level: Level, area: Place, with_initiatives: list[str]) -> QuerySet[Place]:
    child = LEVELS[level.child]
    queryset = child.model.objects.filter(**{child.parent_field: area}).filter(
        Q(is_active=True) | Q(code__in=with_initiatives)
    )
    # What a row and its URL need: a whole model instance per wijk costs more than its row.
    fields = ["code", "name", "population", "is_active", child.parent_field]
    if child.key == "neighbourhood":
        # Its URL names the gemeente.
        queryset = queryset.select_related("district")
        fields.append("district__municipality")
    return queryset.only(*fields).order_by("code")


def area_table(
    area: Place,
    level_key: str,
    *,
    sort: str | None = None,
    today: datetime.date | None = None,
    details: bool = False,
) -> AreaTable:
    """The area and its sub-areas with live counts, stored 12-month figures and the exchange's
    match figures; six queries.

    Sub-areas are the active ones plus inactive ones that still hold published initiatives.
    The total counts every initiative of the area, also those placed in no sub-area. With
    `details`, the sub-areas' values per activity and per kind come along (for the exports).
    """
    level = LEVELS[level_key]
    child = LEVELS[level.child] if level.child else None
    in_area = {level.initiative_field: area.code}
    published = Initiative.objects.filter(status=PUBLISHED, **in_area)
    open_needs = Need.objects.filter(
        status=Need.Status.OPEN,
        initiative__status=PUBLISHED,
        **{f"initiative__{k}": v for k, v in in_area.items()},
    )
    initiatives: dict[str | None, int] = {}
    needs: dict[str | None, int] = {}
    needs_by_kind: dict[str, int] = {}
    if child is None:
        initiatives[None] = published.count()
        for kind, count in open_needs.values_list("kind").annotate(n=Count("*")).order_by():
            needs_by_kind[kind] = count
    else:
        initiatives = dict(
            published.values_list(child.initiative_field).annotate(n=Count("*")).order_by()
        )
        for code, kind, count in (
            open_needs.values_list(f"initiative__{child.initiative_field}", "kind")
            .annotate(n=Count("*"))
            .order_by()
        ):
            needs[code] = needs.get(code, 0) + count
            needs_by_kind[kind] = needs_by_kind.get(kind, 0) + count
    children = (
        list(_children(level, area, [c for c in initiatives if c])) if child is not None else []
    )
    own, previous = area_handprint_pair(area.code, today=today)
    exchange = area_figures(level_key, area.code, today=today)
    handprints = (
        area_handprints([c.code for c in children], today=today, details=details)
        if children
        else {}
    )
    total = AreaRow(
        code=area.code,
        name=_("Total"),
        url=area.get_absolute_url(),
        population=area.population,
        is_active=area.is_active,
        initiatives=sum(initiatives.values()),
        open_needs=sum(needs_by_kind.values()),
        handprint=own,
        computed=own is not None,
        exchange=exchange.total,
    )
    rows = [
        AreaRow(
            code=place.code,
            name=place.name,
            url=place.get_absolute_url(),
            population=place.population,
            is_active=place.is_active,
            initiatives=initiatives.get(place.code, 0),
            open_needs=needs.get(place.code, 0),
            handprint=handprints.get(place.code),
            computed=own is not None,
            exchange=exchange.of(place.code),
        )
        for place in children
    ]
    sort_key, descending = parse_sort(sort)
    return AreaTable(
        level=level,
        child=child,
        area=area,
        total=total,
        rows=sort_rows(rows, sort_key, descending),
        sort_key=sort_key,
        sort_descending=descending,
        previous_handprint=previous,
        exchange=exchange,
        open_needs=[
            NeedCount(
                kind,
                str(label),
                needs_by_kind.get(kind, 0),
                initiative_list_url(level, area.code, need=kind),
            )
            for kind, label in Need.Kind.choices
        ],
    )


@dataclass
class AreaDashboard:
    table: AreaTable
    title: str
    sdg_rows: list[AreaSdgRow]
    figure: SafeString | None
    newest: list[Initiative]
    list_url: str
    map: AreaMap | None
    period_start: datetime.date
    last_month: datetime.date
    activity_rows: list[AreaActivityRow]
    by_kind: dict
    sdg_targets: list[AreaGoalTargets]
    # The 12 months under the current and the previous method version, while both are kept.
    changes: dict | None = None
    # Money received from funds this calendar year (funding's register): never in the handprint.
    awarded_this_year: Decimal = Decimal(0)

    @property
    def handprint(self) -> AreaHandprint | None:
        return self.table.total.handprint

    @property
    def newest_html(self) -> SafeString:
        return area_cards_html(self.newest)

    @property
    def coverage(self) -> dict | None:
        """How much of the handprint rests on activity quantities, not on hours alone.

        None without reported months: nothing to cover (or an aggregate from before these
        figures were kept, until the next rebuild).
        """
        hp = self.handprint
        if hp is None or not hp.months_reported:
            return None
        return {
            "initiatives": hp.initiatives_with_activities,
            "of_initiatives": hp.initiatives,
            "months": hp.months_with_activities,
            "of_months": hp.months_reported,
        }

    @property
    def value_per_10000(self) -> Decimal | None:
        if self.handprint is None:
            return None
        return per_10000(self.handprint.value_central, self.table.area.population)

    @property
    def offers_url(self) -> str | None:
        """The partners' offers available in this area (the offer list's place filters; a
        buurt's are its wijk's). None while the exchange has no offers page."""
        area, level = self.table.area, self.table.level.key
        if level == "neighbourhood":
            query = {"district": area.district_id}
        else:
            query = {level: area.code}
        try:
            return f"{reverse(OFFERS_URL_NAME)}?{urlencode(query)}"
        except NoReverseMatch:
            return None


def newest_initiatives(level: Level, area: Place, limit: int = NEWEST) -> list[Initiative]:
    """The area's most recently published initiatives, with their places (one query)."""
    return list(
        Initiative.objects.filter(status=PUBLISHED, **{level.initiative_field: area.code})
        .select_related("municipality", "district", "neighbourhood")
        .only(
            "name",
            "slug",
            "kind",
            "published_at",
            "municipality__name",
            "district__name",
            "neighbourhood__name",
        )
        .order_by("-published_at", "-pk")[:limit]
    )


def _area_map(table: AreaTable) -> AreaMap | None:
    level, area = table.level, table.area
    if level.map_layer is None or not table.rows:
        return None
    if level.key == "province":
        title = _("Initiatives per municipality in %(name)s")
        intro = _(
            "Map of the municipalities of %(name)s, coloured by the number of published "
            "initiatives; the table gives the same numbers. Municipalities per colour:"
        )
    else:
        title = _("Initiatives per district in %(name)s")
        intro = _(
            "Map of the districts of %(name)s, coloured by the number of published "
            "initiatives; the table gives the same numbers. Districts per colour:"
        )
    return choropleth(
        level.map_layer,
        [MapArea(r.code, r.name, r.url, r.initiatives) for r in table.rows],
        title=title % {"name": area.name},
        description=intro % {"name": area.name},
    )


def area_dashboard(
    area: Place, level_key: str, *, sort: str | None = None, today: datetime.date | None = None
) -> AreaDashboard:
    """Everything an area page shows, in eleven queries (twelve with the caller's read of the
    area)."""
    today = today or timezone.localdate()
    table = area_table(area, level_key, sort=sort, today=today)
    level = table.level
    handprint = table.total.handprint
    sdg_rows = area_sdg_rows(handprint)
    activity_rows = area_activity_rows(handprint)
    sdg_targets = area_sdg_targets(handprint, sdg_rows)
    for row in activity_rows + [t for goal in sdg_targets for t in goal.targets]:
        row.per_10000 = per_10000(row.value_central, area.population)
    window = rolling_window(today)
    return AreaDashboard(
        table=table,
        title=str(level.title) % {"name": area.name},
        sdg_rows=sdg_rows,
        figure=(
            handprint_svg(
                sdg_rows,
                title=_(
                    "Social value per SDG in %(name)s over the last 12 months "
                    "(central estimate, gross)"
                )
                % {"name": area.name},
            )
            if sdg_rows
            else None
        ),
        newest=newest_initiatives(level, area),
        awarded_this_year=awarded_in_area(level.key, area.code, today.year),
        list_url=initiative_list_url(level, area.code),
        map=_area_map(table),
        period_start=window.start,
        last_month=month_add(window.end, -1),
        changes=area_changes_between(
            handprint,
            table.previous_handprint,
            goals={row.goal.number: row.goal for row in sdg_rows},
        ),
        activity_rows=activity_rows,
        by_kind=kind_subtotals(handprint.by_kind) if handprint else {},
        sdg_targets=sdg_targets,
    )
