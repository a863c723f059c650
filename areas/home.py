"""The home page's reads: the country's handprint, the provinces on a map, what is new, near you.

The page is in the load bench's mix and in the page cache, so it costs the same few queries
whatever the number of provinces or initiatives: the provinces and their live counts in two
(the gemeenten come from a per-process copy), the wijken counted in one,
the national handprint (the sum of the provinces' stored aggregates, as the province pages
show them) in one or two, the newest initiatives and open needs in one each, and four more
for a chosen gemeente. Province shapes come from the bundled gemeente boundaries, projected
once per places version (`initiatives.filters.active_places`).

"Near you" is a URL parameter (`?gemeente=GM0363`), never a cookie or a location: the page
carries nothing per visitor and its query string is part of the page cache's key.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.dashboards import LEVELS, initiative_list_url, newest_initiatives, per_10000
from common.forms import AccessibleForm, FastSelect
from impact.figure import handprint_svg
from impact.models import AreaHandprint
from impact.scoring import month_add, rolling_window
from impact.selectors import (
    AreaSdgRow,
    area_handprint,
    area_sdg_rows,
    kind_subtotals,
    national_handprint,
)
from initiatives.filters import active_places
from initiatives.models import Initiative, Need
from places.maps import AreaMap, RateArea, rate_choropleth
from places.models import District, Municipality, Province

NEWEST = 6
OPEN_NEEDS = 6
NEAR_NEWEST = 4
NEAR_NEEDS = 4
PUBLISHED = Initiative.Status.PUBLISHED


class NearYouForm(AccessibleForm):
    """The gemeente a visitor chooses; its choices come from `active_places` (no query)."""

    gemeente = forms.ChoiceField(
        required=False,  # "Choose a municipality" shows the page without a choice
        label=gettext_lazy("Your municipality"),
        help_text=gettext_lazy("Shows the figures, newest initiatives and open needs there."),
    )

    def __init__(self, data: dict | None, *, places_version: tuple, municipalities: list) -> None:
        if data is not None and data.get("gemeente"):
            # A code has six characters: a long value is not echoed whole in the message.
            data = {"gemeente": data["gemeente"].strip().upper()[:20]}
        super().__init__(data, auto_id="near-%s")
        choices = [("", _("Choose a municipality"))] + [(m.code, m.name) for m in municipalities]
        self.fields["gemeente"].choices = choices
        self.fields["gemeente"].widget = FastSelect(
            choices=choices, cache_key=("home-gemeente", places_version)
        )
        self.fields["gemeente"].error_messages["invalid_choice"] = _(
            "There is no municipality with code %(value)s: choose one from the list."
        )


@dataclass
class ProvinceRow:
    """A province in the table beside the map: live counts and its population."""

    code: str
    name: str
    url: str
    population: int | None
    initiatives: int

    @property
    def initiatives_per_10000(self) -> Decimal | None:
        return per_10000(self.initiatives, self.population)


@dataclass
class NearYou:
    municipality: Municipality
    initiatives: int
    handprint: AreaHandprint | None
    newest: list[Initiative]
    open_needs: list[Need]
    list_url: str


@dataclass
class HomePage:
    counts: dict[str, int]
    handprint: AreaHandprint | None
    sdg_rows: list[AreaSdgRow]
    figure: SafeString | None
    by_kind: dict
    period_start: datetime.date
    last_month: datetime.date
    provinces: list[ProvinceRow]
    map: AreaMap | None
    newest: list[Initiative]
    open_needs: list[Need]
    form: NearYouForm
    near: NearYou | None = None


def open_needs(
    *, today: datetime.date, municipality: str | None = None, limit: int = OPEN_NEEDS
) -> list[Need]:
    """The newest open needs of published initiatives whose end date has not passed; one query.

    Only what a need asks and whose it is: no contact details (a need has none).
    """
    needs = Need.objects.filter(
        Q(until__isnull=True) | Q(until__gte=today),
        status=Need.Status.OPEN,
        initiative__status=PUBLISHED,
    )
    if municipality:
        needs = needs.filter(initiative__municipality=municipality)
    return list(
        needs.select_related("initiative__municipality")
        .only(
            "kind",
            "title",
            "amount",
            "until",
            "created_at",
            "initiative__name",
            "initiative__slug",
            "initiative__municipality__name",
        )
        .order_by("-created_at", "-pk")[:limit]
    )


def newest(limit: int = NEWEST) -> list[Initiative]:
    """The most recently published initiatives, as the list shows them; one query."""
    return list(
        Initiative.objects.filter(status=PUBLISHED)
        .select_related("municipality", "district")
        .only(
            "name",
            "slug",
            "kind",
            "summary",
            "published_at",
            "municipality__name",
            "district__name",
        )
        .order_by("-published_at", "-pk")[:limit]
    )


def _province_rows() -> list[ProvinceRow]:
    counts = dict(
        Initiative.objects.filter(status=PUBLISHED)
        .values_list("municipality__province")
        .annotate(n=Count("*"))
        .order_by()
    )
    return [
        ProvinceRow(
            code=code,
            name=name,
            url=Province(code=code).get_absolute_url(),
            population=population,
            initiatives=counts.get(code, 0),
        )
        for code, name, population in Province.objects.active()
        .order_by("name")
        .values_list("code", "name", "population")
    ]


def _province_map(rows: list[ProvinceRow], municipalities: list) -> AreaMap | None:
    members: dict[str, list[str]] = {}
    for municipality in municipalities:
        members.setdefault(municipality.parent, []).append(municipality.code)
    groups = tuple((row.code, tuple(sorted(members.get(row.code, ())))) for row in rows)
    return rate_choropleth(
        "municipalities",
        groups,
        [RateArea(r.code, r.name, r.url, r.initiatives, r.initiatives_per_10000) for r in rows],
        title=_("Published initiatives per 10,000 inhabitants, per province"),
        description=_(
            "Map of the twelve provinces, coloured by the number of published initiatives "
            "per 10,000 inhabitants; the table gives the same numbers. Provinces per colour:"
        ),
        id_prefix="province-map",
    )


def _near_you(code: str, today: datetime.date) -> NearYou | None:
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        return None
    level = LEVELS["municipality"]
    return NearYou(
        municipality=municipality,
        initiatives=Initiative.objects.filter(status=PUBLISHED, municipality=code).count(),
        handprint=area_handprint(code, today=today),
        newest=newest_initiatives(level, municipality, limit=NEAR_NEWEST),
        open_needs=open_needs(today=today, municipality=code, limit=NEAR_NEEDS),
        list_url=initiative_list_url(level, code),
    )


def home_page(query: dict, *, today: datetime.date | None = None) -> HomePage:
    """Everything the home page shows, for the query string's `gemeente` if any."""
    today = today or timezone.localdate()
    places_version, _provinces, municipalities = active_places()
    form = NearYouForm(
        query if query.get("gemeente") else None,
        places_version=places_version,
        municipalities=municipalities,
    )
    rows = _province_rows()
    counts = {
        "provinces": len(rows),
        "municipalities": len(municipalities),
        "districts": District.objects.active().count(),
        "initiatives": sum(row.initiatives for row in rows),
    }
    handprint = national_handprint(today=today)
    sdg_rows = area_sdg_rows(handprint)
    window = rolling_window(today)
    page = HomePage(
        counts=counts,
        handprint=handprint,
        sdg_rows=sdg_rows,
        figure=(
            handprint_svg(
                sdg_rows,
                title=_(
                    "Social value per SDG in the Netherlands over the last 12 months "
                    "(central estimate, gross)"
                ),
            )
            if sdg_rows
            else None
        ),
        by_kind=kind_subtotals(handprint.by_kind) if handprint else {},
        period_start=window.start,
        last_month=month_add(window.end, -1),
        provinces=rows,
        map=_province_map(rows, municipalities),
        newest=newest(),
        open_needs=open_needs(today=today),
        form=form,
    )
    if form.is_bound and form.is_valid() and form.cleaned_data["gemeente"]:
        page.near = _near_you(form.cleaned_data["gemeente"], today)
    return page
