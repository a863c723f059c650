"""The public pages of funding rounds: the open rounds and the register of awards
(`/regelingen/`). Nothing personal; the applicant's and the fund manager's pages follow."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from funding.eligibility import rules_of
from funding.selectors import awards, open_rounds

LATEST_AWARDS = 10


def rounds(request: HttpRequest) -> HttpResponse:
    """Every open round with what is left and who may apply, and the newest awards."""
    open_now = [(round_, rules_of(round_)) for round_ in open_rounds()]
    return render(
        request,
        "funding/rounds.html",
        {"rounds": open_now, "awards": list(awards()[:LATEST_AWARDS])},
    )
