"""Match figures per area (issue #22): how often needs met an offer, and how often help arrived.

Reads only; one query per area level (the country, a province, gemeente, wijk or buurt) with
every figure per sub-area, whatever the number of sub-areas, needs or matches.

**What is counted** — matches on needs of *published* initiatives (the public registry's area
totals count the same initiatives; drafts and archived profiles leave them), placed by the
initiative's own location, over **the last 12 months up to and including today** (from the
same date a year ago; the dashboard's match figures move the day a match does):

- needs: needs that were open at some time in the period (posted before or in it, and not
  fulfilled or withdrawn before it began): what could be answered;
- contacts: matches proposed in the period (NLvoorElkaar's "contacts": a proposal is a reply,
  not yet a match);
- agreed: matches whose both sides agreed in the period (a "real match");
- delivered: matches whose delivery both sides confirmed in the period (delivered or closed);
- lapsed: matches that lapsed in the period, for any reason; of which *after agreement*: those
  that had been agreed (no delivery confirmed in time, or it did not happen);
- declined: matches declined by either side in the period;
- delivery rate = delivered ÷ (delivered + lapsed after agreement): of the agreed matches that
  came to an end in the period, the share where help arrived. Matches still under way,
  declined or lapsed before agreement are in neither part; None when nothing ended.

Each figure counts an event in the period (as "contacts per year" does), so a match proposed
last year and delivered this month adds to this year's *delivered*, not to its *contacts*.

Cached pages show these figures: a match written through `save()` bumps the area pages'
generation by its receiver (pagecache/receivers.py); any other write that changes a match's
status or dates (a queryset `update()`, `bulk_create`) calls `figures_changed()`.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.pagecache import AREAS, generation_bump
from exchange.models import Match
from initiatives.models import Initiative, Need
from places.models import District, Municipality, Neighbourhood, Place, Province

PUBLISHED = Initiative.Status.PUBLISHED
Status = Match.Status
DELIVERED = (Status.DELIVERED, Status.CLOSED)

# The Maatschappelijke Beursvloer's reported average (issue #22 cites it): matches made on a
# match form at a Beursvloer event, and how many of them were carried out afterwards.
BEURSVLOER_MATCHES_PER_EVENT = 88
BEURSVLOER_CARRIED_OUT = Decimal("0.80")

# The lookup from a need to the CBS code of its initiative's own location, per level.
NEED_AREA = {
    "province": "initiative__municipality__province",
    "municipality": "initiative__municipality",
    "district": "initiative__district",
    "neighbourhood": "initiative__neighbourhood",
}
# The level each level's figures are grouped by (its sub-areas), and its places.
CHILD = {
    "country": "province",
    "province": "municipality",
    "municipality": "district",
    "district": "neighbourhood",
    "neighbourhood": None,
}
MODELS: dict[str, type[Place]] = {
    "province": Province,
    "municipality": Municipality,
    "district": District,
    "neighbourhood": Neighbourhood,
}
LEVEL_OF_PREFIX = {"PV": "province", "GM": "municipality", "WK": "district", "BU": "neighbourhood"}
# Where each sub-area's parent is, for listing a level's sub-areas.
PARENT_FIELD = {
    "municipality": "province",
    "district": "municipality",
    "neighbourhood": "district",
}


def figures_changed() -> None:
    """Every cached area page and the figures page show new match figures after the current
    transaction commits (the `areas` generation, which the area dashboards and /beurs/cijfers/
    read). For writes no `post_save` sees: a queryset update of matches, a bulk insert."""
    generation_bump(AREAS)


@dataclass(frozen=True)
class Period:
    """The 12 months up to and including `last_day`: [start, end) as local midnights."""

    first_day: datetime.date
    last_day: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first_day, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        next_day = self.last_day + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


def period_for(today: datetime.date | None = None) -> Period:
    """The last 12 months: from the same date a year ago (28 February for a 29th) to today."""
    today = today or timezone.localdate()
    try:
        first = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        first = today.replace(year=today.year - 1, day=28)
    return Period(first, today)


@dataclass(frozen=True)
class MatchFigures:
    """An area's match figures over a period (see the module's docstring for each)."""

    needs: int = 0
    contacts: int = 0
    agreed: int = 0
    delivered: int = 0
    lapsed: int = 0
    lapsed_after_agreement: int = 0
    declined: int = 0

    def __add__(self, other: "MatchFigures") -> "MatchFigures":
        return MatchFigures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    @property
    def ended(self) -> int:
        """Agreed matches that came to an end: delivered, or lapsed after agreement."""
        return self.delivered + self.lapsed_after_agreement

    @property
    def delivery_rate(self) -> Decimal | None:
        """delivered ÷ (delivered + lapsed after agreement), to three decimals; None for 0 ÷ 0."""
        if not self.ended:
            return None
        return (Decimal(self.delivered) / self.ended).quantize(Decimal("0.001"), ROUND_HALF_UP)

    @property
    def delivery_percent(self) -> Decimal | None:
        """The delivery rate as a whole percentage, for pages and exports."""
        rate = self.delivery_rate
        return None if rate is None else (rate * 100).quantize(Decimal(1), ROUND_HALF_UP)


FIGURE_NAMES = tuple(f.name for f in fields(MatchFigures))
EMPTY = MatchFigures()

# Labels of the figures, for the pages, the export and the API's documentation.
LABELS = {
    "needs": _("Needs"),
    "contacts": _("Contacts (matches proposed)"),
    "agreed": _("Agreed"),
    "delivered": _("Delivered"),
    "lapsed": _("Lapsed"),
    "lapsed_after_agreement": _("Lapsed after agreement"),
    "declined": _("Declined"),
}


def _group_keys(levels: Iterable[str], prefix: str) -> dict[str, F]:
    return {f"g_{level}": F(f"{prefix}{NEED_AREA[level]}") for level in levels}


def _grouped_query(area: dict[str, str], group_by: tuple[str, ...], period: Period) -> QuerySet:
    """One statement: the needs' and the matches' figures, each grouped by the sub-area codes,
    as the two halves of a UNION ALL (no join multiplies needs by matches)."""
    start, end = period.start, period.end
    zero = Value(0)
    # With nothing to group by, a constant keeps both halves the same shape (one row each).
    needs_keys = _group_keys(group_by, "") or {"g_": Value("")}
    match_keys = _group_keys(group_by, "need__") or {"g_": Value("")}
    needs = (
        Need.objects.filter(initiative__status=PUBLISHED, **area, created_at__lt=end)
        .filter(Q(status=Need.Status.OPEN) | Q(closed_at__gte=start))
        .values(**needs_keys)
        .annotate(
            needs=Count("pk"),
            contacts=zero,
            agreed=zero,
            delivered=zero,
            lapsed=zero,
            lapsed_after_agreement=zero,
            declined=zero,
        )
        .order_by()
    )

    def within(name: str) -> Q:
        return Q(**{f"{name}__gte": start, f"{name}__lt": end})

    lapsed = Q(status=Status.LAPSED) & within("lapsed_at")
    matches = (
        Match.objects.filter(
            need__initiative__status=PUBLISHED, **{f"need__{k}": v for k, v in area.items()}
        )
        .filter(
            Q(proposed_at__gte=start)
            | Q(agreed_at__gte=start)
            | Q(delivered_at__gte=start)
            | Q(lapsed_at__gte=start)
            | Q(declined_at__gte=start)
        )
        .values(**match_keys)
        .annotate(
            needs=zero,
            contacts=Count("pk", filter=within("proposed_at")),
            agreed=Count("pk", filter=within("agreed_at")),
            delivered=Count("pk", filter=Q(status__in=DELIVERED) & within("delivered_at")),
            lapsed=Count("pk", filter=lapsed),
            lapsed_after_agreement=Count("pk", filter=lapsed & Q(agreed_at__isnull=False)),
            declined=Count("pk", filter=Q(status=Status.DECLINED) & within("declined_at")),
        )
        .order_by()
    )
    return needs.union(matches, all=True)


def _figures_by(
    area: dict[str, str], group_by: tuple[str, ...], period: Period
) -> dict[tuple, MatchFigures]:
    """Figures per tuple of sub-area codes (None: the initiative has no place at that level)."""
    found: dict[tuple, MatchFigures] = {}
    keys = [f"g_{level}" for level in group_by] or ["g_"]
    for row in _grouped_query(area, group_by, period):
        key = tuple(row[k] for k in keys) if group_by else ()
        figures = MatchFigures(**{name: row[name] for name in FIGURE_NAMES})
        found[key] = found.get(key, EMPTY) + figures
    return found


@dataclass
class AreaFigures:
    """An area's match figures, and its sub-areas' (by CBS code; None: placed in none)."""

    level: str
    code: str | None
    period: Period
    total: MatchFigures
    by_sub_area: dict[str | None, MatchFigures] = field(default_factory=dict)

    def of(self, code: str) -> MatchFigures:
        return self.by_sub_area.get(code, EMPTY)


def area_figures(
    level: str, code: str | None, *, today: datetime.date | None = None
) -> AreaFigures:
    """The match figures of the country (`level` "country", no code), a province, gemeente,
    wijk or buurt, with its sub-areas' (the level below); one query."""
    period = period_for(today)
    area = {} if level == "country" else {NEED_AREA[level]: code}
    child = CHILD[level]
    grouped = _figures_by(area, (child,) if child else (), period)
    by_sub_area = {key[0]: figures for key, figures in grouped.items()} if child else {}
    total = sum(grouped.values(), EMPTY)
    return AreaFigures(level, code, period, total, by_sub_area)


@dataclass(frozen=True)
class FigureRow:
    """A named area's figures, for a table."""

    code: str
    name: str
    url: str
    figures: MatchFigures


@dataclass
class NationalFigures:
    period: Period
    total: MatchFigures
    provinces: list[FigureRow]
    # Only the gemeenten where anything was counted, by name.
    municipalities: list[FigureRow]


def national_figures(*, today: datetime.date | None = None) -> NationalFigures:
    """The country's figures, every province's and those of each gemeente with any; three
    queries (the figures per gemeente and province in one, the provinces, the gemeenten)."""
    period = period_for(today)
    grouped = _figures_by({}, ("province", "municipality"), period)
    per_province: dict[str, MatchFigures] = {}
    per_municipality: dict[str, MatchFigures] = {}
    for (province, municipality), figures in grouped.items():
        per_province[province] = per_province.get(province, EMPTY) + figures
        per_municipality[municipality] = figures
    provinces = [
        FigureRow(p.code, p.name, p.get_absolute_url(), per_province.get(p.code, EMPTY))
        for p in Province.objects.filter(Q(is_active=True) | Q(code__in=list(per_province)))
        .only("code", "name")
        .order_by("name")
    ]
    municipalities = [
        FigureRow(m.code, m.name, m.get_absolute_url(), per_municipality[m.code])
        for m in Municipality.objects.filter(code__in=per_municipality)
        .only("code", "name")
        .order_by("name", "code")
    ]
    return NationalFigures(
        period=period,
        total=sum(per_province.values(), EMPTY),
        provinces=provinces,
        municipalities=municipalities,
    )


def level_of_code(code: str) -> str | None:
    """ "province", "municipality", "district" or "neighbourhood" for a CBS code's prefix."""
    return LEVEL_OF_PREFIX.get(code[:2].upper())


def sub_areas(level: str, area: Place | None, with_figures: Iterable[str | None]) -> list[Place]:
    """The active places one level below the area (the provinces for the country), and inactive
    ones that still hold figures, by code; one query (none for a buurt)."""
    child = CHILD[level]
    if child is None:
        return []
    places = MODELS[child].objects.all()
    if area is not None:
        places = places.filter(**{PARENT_FIELD[child]: area})
    return list(
        places.filter(Q(is_active=True) | Q(code__in=[c for c in with_figures if c]))
        .only("code", "name")
        .order_by("code")
    )
