"""The national match figures page (/beurs/cijfers/): public, cached like the area pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from exchange.figures import (
    BEURSVLOER_CARRIED_OUT,
    BEURSVLOER_MATCHES_PER_EVENT,
    national_figures,
)


def figures_page(request: HttpRequest) -> HttpResponse:
    """The country's match figures beside the Beursvloer's, the definitions, and a table per
    province and per gemeente; three queries."""
    return render(
        request,
        "exchange/figures.html",
        {
            "national": national_figures(),
            "beursvloer_percent": int(BEURSVLOER_CARRIED_OUT * 100),
            "beursvloer_matches": BEURSVLOER_MATCHES_PER_EVENT,
        },
    )
