"""What a bench request found, read from the HTML a visitor gets, and checked against the data.

A fast page that shows the wrong answer (an empty search, a count that does not match) is not
fast, it is broken: every case of `make bench-browse` and every page of `make bench-load`
reads what it found with these functions, and the bench fails loudly when a user would have
seen something else. The parsing is plain regular expressions over the templates' own
markers (`id="result-count"`, `<li class="card">`, the figures' `<dl class="stats">`), so the
load bench's locust process can use it without Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# `{{ number }} initiatives found` with intcomma: "1.234" in Dutch, "1,234" in English.
RESULT_COUNT = re.compile(r'id="result-count"[^>]*>\s*([0-9][0-9.,\u00a0 ]*)')
CARD_LINK = re.compile(r'<li class="card">\s*<a href="/initiatieven/([^/"]+)/"')
NOTICE = re.compile(r'<p class="notice">')
STATS = re.compile(r'<dl class="stats">(.*?)</dl>', re.S)
STAT_VALUE = re.compile(r"<dt>.*?</dt>\s*<dd>([^<]*)</dd>", re.S)


class NotFound(AssertionError):
    """The page did not show what a user would find: the bench case measures a wrong answer."""


def number(text: str) -> int:
    """An integer as the templates format it, with Dutch or English thousands separators."""
    digits = re.sub(r"[.,\s\u00a0]", "", text)
    if not digits.isdigit():
        raise ValueError(f"not a whole number: {text!r}")
    return int(digits)


@dataclass(frozen=True)
class ListFacts:
    """What the initiative list shows: its count, the profiles on this page, a correction."""

    total: int
    slugs: list[str] = field(default_factory=list)
    corrected: bool = False


def list_facts(html: str) -> ListFacts:
    match = RESULT_COUNT.search(html)
    if not match:
        raise NotFound("the list shows no result count")
    return ListFacts(
        total=number(match.group(1)),
        slugs=CARD_LINK.findall(html),
        corrected=bool(NOTICE.search(html)),
    )


@dataclass(frozen=True)
class AreaFacts:
    """What an area dashboard shows: its initiatives, the newest ones, whether it has figures."""

    initiatives: int
    newest: list[str]
    has_handprint: bool


def area_facts(html: str) -> AreaFacts:
    stats = STATS.search(html)
    if not stats:
        raise NotFound("the dashboard shows no figures")
    values = [value.strip() for value in STAT_VALUE.findall(stats.group(1))]
    if len(values) < 2:
        raise NotFound(f"the dashboard's figures are incomplete: {values}")
    return AreaFacts(
        initiatives=number(values[0]),
        newest=CARD_LINK.findall(html),
        # Volunteers, hours and people read "–" until the area's handprint is stored.
        has_handprint=all(value not in ("", "–") for value in values[1:]),
    )


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise NotFound(message)


def expect_list_page(facts: ListFacts, *, per_page: int, page: int) -> None:
    """The page shows as many cards as the count leaves for it (the last page may be short)."""
    pages = max(1, -(-facts.total // per_page))
    page = min(max(page, 1), pages)
    wanted = min(per_page, max(facts.total - (page - 1) * per_page, 0))
    expect(
        len(facts.slugs) == wanted,
        f"page {page} of {facts.total:,} results at {per_page} per page shows "
        f"{len(facts.slugs)} initiatives, not {wanted}",
    )
