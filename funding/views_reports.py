"""The fund manager's reports (issue #21): per round (with its gemeenten and wijken) and per
fund per year, as a page, CSV and XLSX. The fund's managers only (404 for anyone else)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render

from common.exports import FORMATS, export_response
from funding.models import Fund
from funding.permissions import can_read_reports
from funding.reports import COLUMNS, STATUSES, fund_report, round_report
from funding.views import managed_round


@login_required
def round_report_page(request: HttpRequest, pk: int, fmt: str | None = None) -> HttpResponseBase:
    """The round's report as a page, or as `csv` / `xlsx`."""
    if fmt is not None and fmt not in FORMATS:
        raise Http404
    round_ = managed_round(request, pk, may=can_read_reports)
    report = round_report(round_)
    if fmt is not None:
        name = f"rapport-{round_.fund.slug}-{round_.slug}"
        return export_response(report.lines, COLUMNS, fmt=fmt, filename=name)
    return render(
        request,
        "funding/reports/round.html",
        {"report": report, "round": round_, "statuses": STATUSES},
    )


@login_required
def fund_report_page(request: HttpRequest, slug: str, fmt: str | None = None) -> HttpResponseBase:
    """The fund's report per year over all its rounds, as a page, or as `csv` / `xlsx`."""
    if fmt is not None and fmt not in FORMATS:
        raise Http404
    fund = get_object_or_404(Fund, slug=slug)
    if not can_read_reports(request.user, fund):
        raise Http404
    report = fund_report(fund)
    if fmt is not None:
        return export_response(report.lines, COLUMNS, fmt=fmt, filename=f"rapport-{fund.slug}")
    return render(
        request,
        "funding/reports/fund.html",
        {"report": report, "fund": fund, "rounds": fund.rounds.order_by("-opens_on", "name")},
    )
