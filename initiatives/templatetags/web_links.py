"""Links to addresses that people typed: only web addresses become clickable."""

from urllib.parse import urlsplit

from django import template

register = template.Library()

WEB_SCHEMES = {"http", "https"}


@register.filter
def web_url(value: str | None) -> str:
    """The address if it is an http(s) URL, else "" (a javascript: or data: URL never links).

    Forms, the API and the import already refuse other schemes; this guards the templates
    against whatever reached the database another way.
    """
    if not value:
        return ""
    try:
        scheme = urlsplit(str(value).strip()).scheme.lower()
    except ValueError:
        return ""
    return str(value).strip() if scheme in WEB_SCHEMES else ""
