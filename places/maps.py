"""Choropleth maps of gemeenten, wijken and provinces as inline SVG, drawn on the server.

The CBS/Kadaster boundaries (`data/cbs/*_simplified.geojson`, WGS84) are parsed once per
process and kept as flat coordinate arrays indexed by CBS code; a page projects only the
areas it shows. The projection is equirectangular with longitude scaled by cos(latitude):
fine for an overview of a Dutch gemeente or province. No tiles, no JavaScript. A province
is drawn as its gemeenten's rings in one path (no polygon union: no new dependency), so the
gemeente borders show faintly inside it.

Colours are `fill`/`stroke` attributes (the CSP allows no inline styles); every piece of
text is escaped before the result is marked safe.
"""

import json
import math
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data" / "cbs"
LAYERS = {
    "municipalities": ("gemeenten_2024_simplified.geojson", "gemeentecode"),
    "districts": ("wijken_2024_simplified.geojson", "wijkcode"),
}
# The wording CBS asks for under maps made from the Wijk- en Buurtkaart (data/cbs/README.md).
CREDIT = "Kadaster / Centraal Bureau voor de Statistiek, 2024"

WIDTH = 640
MAX_HEIGHT = 640
PAD = 4
DECIMALS = 1  # a tenth of a pixel in the viewBox: finer detail only makes the page heavier
# Pixels between the points kept on the map of the whole country (`_overview_path`).
OVERVIEW_TOLERANCE = 1.5

# (fill, stroke) per class, light to dark. The first class is "no initiatives". Adjacent
# fills differ by at least 1.6:1 in luminance; colour is never the only carrier: every area
# has a <title> with its count and the table beside the map holds the same numbers.
CLASS_COLOURS = (
    ("#f2f2f2", "#5b6770"),
    ("#92d09c", "#1a1a1a"),
    ("#3d9a5f", "#1a1a1a"),
    ("#16643a", "#ffffff"),
    ("#00391c", "#ffffff"),
)
NON_ZERO_CLASSES = len(CLASS_COLOURS) - 1


@dataclass(frozen=True)
class Shape:
    """An area's rings (outer boundaries and holes) as flat lon, lat arrays, and its bounds."""

    rings: tuple[array, ...]
    bounds: tuple[float, float, float, float]  # west, south, east, north


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    url: str
    count: int


@dataclass(frozen=True)
class RateArea:
    """An area shaded by its initiatives per 10,000 inhabitants (None: population unknown)."""

    code: str
    name: str
    url: str
    count: int
    per_10000: Decimal | None


def _hundredths(value: int) -> str:
    return number_format(Decimal(value) / 100, decimal_pos=2, use_l10n=True)


@dataclass(frozen=True)
class ColourClass:
    fill: str
    stroke: str
    low: int
    high: int
    # Bounds in hundredths of an initiative per 10,000 inhabitants instead of initiatives.
    per_10000: bool = False

    @property
    def label(self) -> str:
        if self.high == 0:
            return _("no initiatives")
        if self.per_10000:
            if self.low <= 1:
                return _("up to %(high)s per 10,000 inhabitants") % {"high": _hundredths(self.high)}
            if self.low == self.high:
                return _("%(value)s per 10,000 inhabitants") % {"value": _hundredths(self.low)}
            return _("%(low)s–%(high)s per 10,000 inhabitants") % {
                "low": _hundredths(self.low),
                "high": _hundredths(self.high),
            }
        if self.low == self.high:
            return ngettext("%(count)s initiative", "%(count)s initiatives", self.low) % {
                "count": self.low
            }
        return _("%(low)s–%(high)s initiatives") % {"low": self.low, "high": self.high}


@dataclass(frozen=True)
class LegendEntry:
    colour: ColourClass
    areas: int


@dataclass(frozen=True)
class AreaMap:
    svg: SafeString
    legend: list[LegendEntry]
    missing: int  # areas without a boundary in the bundled edition


def _rings(geometry: dict) -> tuple[array, ...]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return tuple(
        array("d", (value for point in ring for value in point[:2]))
        for polygon in polygons
        for ring in polygon
    )


def _bounds(rings: tuple[array, ...]) -> tuple[float, float, float, float]:
    lons = [value for ring in rings for value in ring[0::2]]
    lats = [value for ring in rings for value in ring[1::2]]
    return min(lons), min(lats), max(lons), max(lats)


@cache
def shapes(layer: str) -> dict[str, Shape]:
    """Every area of a layer ("municipalities" or "districts") by CBS code; read once."""
    filename, code_property = LAYERS[layer]
    with (DATA_DIR / filename).open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    index = {}
    for feature in features:
        rings = _rings(feature["geometry"])
        if rings:
            index[feature["properties"][code_property]] = Shape(rings, _bounds(rings))
    return index


def colour_classes(largest: int, *, per_10000: bool = False) -> list[ColourClass]:
    """The classes for counts 0…largest: one for zero, then up to four equal-width steps.

    With `per_10000` the counts are hundredths of an initiative per 10,000 inhabitants.
    """
    zero = ColourClass(*CLASS_COLOURS[0], low=0, high=0, per_10000=per_10000)
    if largest <= 0:
        return [zero]
    step = math.ceil(largest / NON_ZERO_CLASSES)
    classes = [zero]
    for index in range(NON_ZERO_CLASSES):
        low, high = index * step + 1, min((index + 1) * step, largest)
        if low > largest:
            break
        classes.append(
            ColourClass(*CLASS_COLOURS[index + 1], low=low, high=high, per_10000=per_10000)
        )
    return classes


def rate_hundredths(area: RateArea) -> int:
    """The figure an area is shaded by: its rate in hundredths, rounded as the table shows it.

    An area with initiatives counts at least one hundredth, so it is never shaded as having
    none; an unknown population counts as none (its <title> and the table say so).
    """
    if not area.count or area.per_10000 is None:
        return 0
    hundredths = int((area.per_10000 * 100).to_integral_value(rounding=ROUND_HALF_UP))
    return max(hundredths, 1)


def _class_of(count: int, classes: list[ColourClass]) -> ColourClass:
    return next((c for c in classes if c.low <= count <= c.high), classes[-1])


def _path(rings: tuple[array, ...], project: Callable[[float, float], str]) -> str:
    """SVG path data; points that round to the same spot are dropped, as are rings that vanish."""
    parts = []
    for ring in rings:
        points: list[str] = []
        for index in range(0, len(ring), 2):
            point = project(ring[index], ring[index + 1])
            if not points or points[-1] != point:
                points.append(point)
        if len(points) >= 3:
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def _projection(drawn: list[Shape]) -> tuple[int, int, Callable[[float, float], tuple]]:
    """Width, height and lon, lat → x, y (floats) fitting these shapes into the viewBox."""
    west = min(shape.bounds[0] for shape in drawn)
    south = min(shape.bounds[1] for shape in drawn)
    east = max(shape.bounds[2] for shape in drawn)
    north = max(shape.bounds[3] for shape in drawn)
    x_factor = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * x_factor, 1e-9)
    span_y = max(north - south, 1e-9)
    scale = min((WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)

    def to_xy(lon: float, lat: float) -> tuple[float, float]:
        return PAD + (lon - west) * x_factor * scale, PAD + (north - lat) * scale

    return round(span_x * scale + 2 * PAD), round(span_y * scale + 2 * PAD), to_xy


@lru_cache(maxsize=128)
def projected(layer: str, codes: tuple[str, ...]) -> tuple[int, int, dict[str, str]]:
    """Width, height and path data per code of these areas fitted together into the viewBox.

    Geometry does not change while the process runs, so a page shown again reuses it.
    """
    index = shapes(layer)
    drawn = [index[code] for code in codes]
    width, height, to_xy = _projection(drawn)

    def project(lon: float, lat: float) -> str:
        x, y = to_xy(lon, lat)
        return f"{round(x, DECIMALS):g},{round(y, DECIMALS):g}"

    return (
        width,
        height,
        {code: _path(shape.rings, project) for code, shape in zip(codes, drawn, strict=True)},
    )


def _overview_path(
    rings: tuple[array, ...], to_xy: Callable[[float, float], tuple[float, float]]
) -> str:
    """Path data for a map of the whole country: whole pixels, relative steps, and points
    closer than OVERVIEW_TOLERANCE to the last one kept dropped.

    Drawn like the area maps, the 342 gemeenten weigh 240 kB; this way about 55 kB, with no
    difference visible at 640 pixels.
    """
    parts = []
    for ring in rings:
        kept: list[tuple[float, float]] = []
        for index in range(0, len(ring), 2):
            x, y = to_xy(ring[index], ring[index + 1])
            if kept and math.hypot(x - kept[-1][0], y - kept[-1][1]) < OVERVIEW_TOLERANCE:
                continue
            kept.append((x, y))
        points: list[tuple[int, int]] = []
        for x, y in kept:
            point = (round(x), round(y))
            if not points or points[-1] != point:
                points.append(point)
        if len(points) >= 3:
            steps = " ".join(
                f"{b[0] - a[0]},{b[1] - a[1]}" for a, b in zip(points, points[1:], strict=False)
            )
            parts.append(f"M{points[0][0]},{points[0][1]}l{steps}z")
    return "".join(parts)


@lru_cache(maxsize=8)
def projected_groups(
    layer: str, groups: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[int, int, dict[str, str]]:
    """Width, height and one path per group of areas (a province's gemeenten), fitted together
    and drawn for an overview (`_overview_path`).

    The groups come from the places tables: a new CBS edition gives new groups, so this runs
    once per places version and process. Groups without any boundary are left out.
    """
    index = shapes(layer)
    present = [
        (group, [index[code] for code in members if code in index]) for group, members in groups
    ]
    present = [(group, drawn) for group, drawn in present if drawn]
    if not present:
        return 0, 0, {}
    width, height, to_xy = _projection([shape for _group, drawn in present for shape in drawn])
    return (
        width,
        height,
        {
            group: "".join(_overview_path(shape.rings, to_xy) for shape in drawn)
            for group, drawn in present
        },
    )


def _svg(
    width: int,
    height: int,
    shaded: list[tuple[MapArea | RateArea, str, str, ColourClass]],
    *,
    title: str,
    description: str,
    id_prefix: str,
    stroke_width: str = "1",
) -> SafeString:
    """The SVG of (area, path data, <title> text, class) items, each area a link."""
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="group" class="area-map-svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]
    for area, path, label, colour in shaded:
        parts += [
            f'<a href="{escape(area.url)}" data-code="{escape(area.code)}">',
            f"<title>{escape(label)}</title>",
            f'<path d="{path}" fill="{colour.fill}" '
            f'stroke="{colour.stroke}" stroke-width="{stroke_width}" stroke-linejoin="round" '
            f'fill-rule="evenodd" vector-effect="non-scaling-stroke"/>',
            "</a>",
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def _legend(
    classes: list[ColourClass], class_of: dict[str, ColourClass], description: str
) -> tuple[list[LegendEntry], str]:
    """The legend, and the description with the number of areas per class appended."""
    per_class = Counter(class_of.values())
    legend = [LegendEntry(c, per_class[c]) for c in classes]
    summary = "; ".join(
        _("%(label)s: %(count)s") % {"label": entry.colour.label, "count": entry.areas}
        for entry in legend
    )
    return legend, f"{description} {summary}."


def rate_choropleth(
    layer: str,
    groups: tuple[tuple[str, tuple[str, ...]], ...],
    areas: Sequence[RateArea],
    *,
    title: str,
    description: str,
    id_prefix: str = "area-map",
) -> AreaMap | None:
    """Groups of areas (provinces of gemeenten) shaded by initiatives per 10,000 inhabitants.

    Like `choropleth`: each a link with a <title> giving its figures, a legend with the
    number per class appended to the <desc>; None if no group has a boundary.
    """
    width, height, paths = projected_groups(layer, groups)
    drawn = [area for area in areas if area.code in paths]
    if not drawn:
        return None
    rates = {area.code: rate_hundredths(area) for area in areas}
    classes = colour_classes(max(rates.values()), per_10000=True)
    class_of = {code: _class_of(value, classes) for code, value in rates.items()}
    legend, description = _legend(classes, class_of, description)
    shaded = []
    for area in drawn:
        if area.per_10000 is None:
            label = ngettext(
                "%(name)s: %(count)s initiative, number of inhabitants unknown",
                "%(name)s: %(count)s initiatives, number of inhabitants unknown",
                area.count,
            ) % {"name": area.name, "count": area.count}
        else:
            label = ngettext(
                "%(name)s: %(rate)s per 10,000 inhabitants (%(count)s initiative)",
                "%(name)s: %(rate)s per 10,000 inhabitants (%(count)s initiatives)",
                area.count,
            ) % {
                "name": area.name,
                "rate": number_format(area.per_10000, decimal_pos=2, use_l10n=True),
                "count": area.count,
            }
        shaded.append((area, paths[area.code], label, class_of[area.code]))
    return AreaMap(
        # Thin lines: inside a province they are its gemeenten's borders, not its own.
        svg=_svg(
            width,
            height,
            shaded,
            title=title,
            description=description,
            id_prefix=id_prefix,
            stroke_width="0.5",
        ),
        legend=legend,
        missing=len(areas) - len(drawn),
    )


def choropleth(
    layer: str,
    areas: Sequence[MapArea],
    *,
    title: str,
    description: str,
    id_prefix: str = "area-map",
) -> AreaMap | None:
    """The areas coloured by count, each a link with a <title>; None if none has a boundary.

    `description` opens the SVG's <desc>; the number of areas per colour class is appended.
    The SVG is a labelled group (title and desc), not role="img": the children of an image
    are presentational, and these are links a keyboard user can reach.
    """
    return _choropleth(layer, tuple(areas), title, description, id_prefix, get_language())


@lru_cache(maxsize=64)
def _choropleth(
    layer: str,
    areas: tuple[MapArea, ...],
    title: str,
    description: str,
    id_prefix: str,
    language: str | None,
) -> AreaMap | None:
    """`choropleth`, kept per process by everything the map shows and the language of its
    texts: a dashboard shown again with the same counts reuses its map (110 wijken)."""
    index = shapes(layer)
    drawn = [area for area in areas if area.code in index]
    if not drawn:
        return None
    width, height, paths = projected(layer, tuple(sorted(area.code for area in drawn)))
    classes = colour_classes(max(area.count for area in areas))
    # Each area's class once, not once per legend entry.
    class_of = {area.code: _class_of(area.count, classes) for area in areas}
    legend, description = _legend(classes, class_of, description)
    shaded = [
        (
            area,
            paths[area.code],
            ngettext(
                "%(name)s: %(count)s initiative", "%(name)s: %(count)s initiatives", area.count
            )
            % {"name": area.name, "count": area.count},
            class_of[area.code],
        )
        for area in drawn
    ]
    return AreaMap(
        svg=_svg(width, height, shaded, title=title, description=description, id_prefix=id_prefix),
        legend=legend,
        missing=len(areas) - len(drawn),
    )
