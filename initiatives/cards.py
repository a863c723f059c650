"""The initiative list's cards written in Python: the markup the template loop wrote.

A list page shows up to 100 cards with a link, the kind, the places, the summary and, sorted
by volunteer hours, the hours; through the template engine (a variable lookup per field, a
blocktranslate per card) the cards took about a third of the page's render. Every text
from the data is escaped as the template escaped it; the translation is not (the template
did not escape it either). tests/test_initiative_cards.py renders the old loop beside it.
"""

from collections.abc import Iterable
from html import escape

from django.template.defaultfilters import capfirst
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from common.numbers import floatformat_with, separators
from initiatives.models import Initiative

# What a card reads of an initiative and its places (`QuerySet.only`): a whole initiative is
# some 30 columns, its search vector and description among them, and its places' too.
CARD_FIELDS = (
    "name",
    "slug",
    "summary",
    "kind",
    "municipality",
    "municipality__name",
    "district",
    "district__name",
)

_CARD = (
    '\n          <li class="card">'
    '\n            <a href="{url}"><strong>{name}</strong></a>'
    '\n            <span class="meta">{kind} · {municipality}{district}</span>'
    "\n            {summary}"
    "\n            {hours}"
    "\n          </li>\n        "
)


def list_cards_html(initiatives: Iterable[Initiative]) -> SafeString:
    """The <li> cards of templates/initiatives/list.html, with their municipality and district
    (select_related) and `hours_12m` (None when not sorted by hours)."""
    seps = separators()
    hours_text = _("%(hours)s volunteer hours in the last 12 months")
    cards = []
    for initiative in initiatives:
        district = initiative.district
        # Annotated only when sorted by hours.
        hours = getattr(initiative, "hours_12m", None)
        cards.append(
            _CARD.format(
                url=escape(initiative.get_absolute_url()),
                name=escape(initiative.name),
                kind=escape(str(initiative.get_kind_display())),
                municipality=escape(initiative.municipality.name),
                district=f" · {escape(district.name)}" if district else "",
                summary=(f"<p>{escape(initiative.summary)}</p>" if initiative.summary else ""),
                hours=(
                    ""
                    if hours is None
                    else '<p class="meta">'
                    + hours_text % {"hours": floatformat_with(hours, "0g", seps)}
                    + "</p>"
                ),
            )
        )
    return mark_safe("".join(cards))  # noqa: S308 - every text from the data is escaped


_AREA_CARD = (
    '\n    <li class="card">'
    '\n      <a href="{url}">{name}</a>'
    '\n      <span class="meta">{kind} ·'
    "\n        {municipality}{district}{neighbourhood}</span>"
    "\n    </li>\n    "
)


def area_cards_html(initiatives: Iterable[Initiative]) -> SafeString:
    """The <li> cards of an area page's newest initiatives (templates/areas/
    _area_initiatives.html), with their gemeente, wijk and buurt (select_related)."""
    return mark_safe(  # noqa: S308 - every text from the data is escaped
        "".join(
            _AREA_CARD.format(
                url=escape(initiative.get_absolute_url()),
                name=escape(initiative.name),
                kind=escape(capfirst(str(initiative.get_kind_display()))),
                municipality=escape(initiative.municipality.name),
                district=f", {escape(initiative.district.name)}" if initiative.district else "",
                neighbourhood=(
                    f", {escape(initiative.neighbourhood.name)}" if initiative.neighbourhood else ""
                ),
            )
            for initiative in initiatives
        )
    )
