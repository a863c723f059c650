"""The home page, and area pages: a dashboard per province, gemeente, wijk and buurt, and
their table exports.

Codes are case-insensitive: a lower-case code redirects to the upper-case address. A
malformed or unknown code, or a wijk or buurt under the wrong parent, is a 404.
"""

from urllib.parse import urlencode

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from areas.dashboards import area_dashboard, area_table
from areas.exports import export_columns, export_rows
from areas.home import home_page
from common.exports import FORMATS, export_response
from places.maps import CREDIT
from places.models import Place
from places.selectors import area_ancestors, area_for_page

URL_NAMES = {
    "province": "province_detail",
    "municipality": "municipality_detail",
    "district": "district_detail",
    "neighbourhood": "neighbourhood_detail",
}


def home(request: HttpRequest) -> HttpResponse:
    """The front page: a search box, the country's handprint and provinces, what is new, and
    a chosen gemeente ("near you", `?gemeente=GM0363`)."""
    return render(request, "home.html", {"page": home_page(request.GET), "map_credit": CREDIT})


def _canonical_redirect(
    request: HttpRequest, url_name: str, codes: dict[str, str], upper: dict[str, str], **extra: str
) -> HttpResponsePermanentRedirect | None:
    """A redirect to the upper-case address when a code was typed in lower case."""
    if upper == codes:
        return None
    url = reverse(url_name, kwargs={**upper, **extra})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


def _area_or_404(level: str, codes: dict[str, str]) -> Place:
    area = area_for_page(level, codes)
    if area is None:
        raise Http404(_("No such area in the current CBS edition."))
    return area


def area_detail(request: HttpRequest, level: str, **codes: str) -> HttpResponseBase:
    """The dashboard of one area: figures, handprint, sub-areas (sortable), map, newest."""
    upper = {name: code.upper() for name, code in codes.items()}
    area = _area_or_404(level, upper)
    redirect = _canonical_redirect(request, URL_NAMES[level], codes, upper)
    if redirect is not None:
        return redirect
    dashboard = area_dashboard(area, level, sort=request.GET.get("sort"))
    exports = {}
    if dashboard.table.child is not None:
        sort = request.GET.get("sort")
        query = f"?{urlencode({'sort': sort})}" if sort else ""
        exports = {
            fmt: reverse(f"{level}_export", kwargs={**codes, "fmt": fmt}) + query for fmt in FORMATS
        }
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "ancestors": area_ancestors(area),
            "dashboard": dashboard,
            "table": dashboard.table,
            "exports": exports,
            "map_credit": CREDIT,
        },
    )


def area_export(request: HttpRequest, level: str, fmt: str, **codes: str) -> HttpResponseBase:
    """The sub-area table with a total row as CSV or XLSX, sorted like the page."""
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            _("Unknown export format: choose csv or xlsx."),
            content_type="text/plain; charset=utf-8",
        )
    upper = {name: code.upper() for name, code in codes.items()}
    area = _area_or_404(level, upper)
    redirect = _canonical_redirect(request, f"{level}_export", codes, upper, fmt=fmt)
    if redirect is not None:
        return redirect
    table = area_table(area, level, sort=request.GET.get("sort"), details=True)
    return export_response(
        export_rows(table),
        export_columns(table),
        fmt=fmt,
        filename=slugify(f"{area.code} {table.child.plural}"),
    )
