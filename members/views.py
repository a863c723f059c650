"""The public member directory (Dutch paths `/leden/` and `/leden/<slug>/`).

Only public fields are shown. Organisations without an active membership are not listed
and their pages answer 404, so an ended member leaves the directory at once.
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from members.filters import filtered_members
from members.selectors import directory_member

PAGE_SIZE = 24


def member_list(request: HttpRequest) -> HttpResponse:
    """Active members as cards, filtered by province and type; the state is the URL."""
    filterset = filtered_members(request.GET)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    form = filterset.form
    filtered = form.is_valid() and any(form.cleaned_data.values())
    return render(
        request,
        "members/list.html",
        {"filterset": filterset, "form": form, "page": page, "filtered": filtered},
    )


def member_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One member's public entry with its public initiatives."""
    member = directory_member(slug)
    if member is None:
        raise Http404
    return render(request, "members/detail.html", {"member": member})
