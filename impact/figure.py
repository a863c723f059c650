"""The handprint as an accessible, printable SVG bar chart: one bar per SDG, in its UN colour.

A pure function of the rows it is given (no database, no request). The SVG is inline in the
page, so colours are `fill` attributes (no classes, no `style`: the CSP allows no inline
styles). Every piece of text is escaped before the result is marked safe.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Protocol

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

DARK_TEXT = "#1a1a1a"
LIGHT_TEXT = "#ffffff"

WIDTH = 640
ROW_HEIGHT = 36
BAR_HEIGHT = 26
TOP = 8
BADGE = 26  # the square with the SDG number
BAR_X = BADGE + 10
VALUE_ROOM = 130  # room right of the longest bar for its euro label
BAR_MAX = WIDTH - BAR_X - VALUE_ROOM


class _Goal(Protocol):
    number: int
    name: str
    colour: str


class SdgRow(Protocol):
    goal: _Goal
    value_central: Decimal


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #RRGGBB colour."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def label_colour(background: str) -> str:
    """Dark or white text, whichever contrasts more (the same choice as `.sdg-N` in site.css)."""
    dark = contrast_ratio(background, DARK_TEXT)
    light = contrast_ratio(background, LIGHT_TEXT)
    return DARK_TEXT if dark >= light else LIGHT_TEXT


def euros(value: Decimal) -> str:
    """Whole euros in the active language's format: "€ 12.345" in Dutch, "€ 12,345" in English."""
    return "€ " + number_format(
        Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP),
        decimal_pos=0,
        use_l10n=True,
        force_grouping=True,
    )


def handprint_svg(
    sdg_rows: Sequence[SdgRow], *, title: str, id_prefix: str = "handprint-figure"
) -> SafeString:
    """An SVG with role="img", a <title> and a <desc> stating every number; one bar per SDG.

    Kept per process by everything it shows and the language of its texts and numbers: an
    area page or profile shown again with the same figures reuses it.
    """
    bars = tuple(
        _Bar(int(row.goal.number), row.goal.name, row.goal.colour, Decimal(row.value_central))
        for row in sdg_rows
    )
    return _handprint_svg(bars, title, id_prefix, get_language())


@dataclass(frozen=True)
class _Bar:
    number: int
    name: str
    colour: str
    value: Decimal


@lru_cache(maxsize=256)
def _handprint_svg(
    bars: tuple[_Bar, ...], title: str, id_prefix: str, language: str | None
) -> SafeString:
    rows = [SimpleNamespace(goal=bar, value_central=bar.value) for bar in bars]
    largest = max((Decimal(row.value_central) for row in rows), default=Decimal(0))
    height = TOP * 2 + ROW_HEIGHT * max(len(rows), 1)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    descriptions = [
        _("SDG %(number)s, %(name)s: %(value)s")
        % {"number": row.goal.number, "name": row.goal.name, "value": euros(row.value_central)}
        for row in rows
    ]
    desc = "; ".join(descriptions) + "." if rows else _("No value per SDG yet.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="handprint-figure" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]
    for index, row in enumerate(rows):
        colour = escape(row.goal.colour)
        value = Decimal(row.value_central)
        bar = round(BAR_MAX * value / largest) if largest > 0 else 0
        y = TOP + index * ROW_HEIGHT
        middle = y + BAR_HEIGHT / 2
        number = int(row.goal.number)
        parts += [
            f'<g data-sdg="{number}">',
            f'<rect x="0" y="{y}" width="{BADGE}" height="{BAR_HEIGHT}" rx="3" fill="{colour}"/>',
            f'<text x="{BADGE / 2}" y="{middle}" text-anchor="middle" dominant-baseline="central" '
            f'font-size="14" font-weight="700" font-family="sans-serif" '
            f'fill="{label_colour(row.goal.colour)}">{number}</text>',
            # The dark outline gives light colours (SDG 7 yellow) 3:1 contrast against white.
            f'<rect class="handprint-bar" x="{BAR_X}" y="{y}" width="{bar}" '
            f'height="{BAR_HEIGHT}" fill="{colour}" stroke="{DARK_TEXT}" stroke-width="1"/>',
            f'<text x="{BAR_X + bar + 8}" y="{middle}" dominant-baseline="central" '
            f'font-size="14" font-family="sans-serif" fill="{DARK_TEXT}">'
            f"{escape(euros(value))}</text>",
            "</g>",
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
