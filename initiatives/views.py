from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from initiatives.models import Initiative
from initiatives.selectors import published_initiatives
from places.selectors import place_counts, provinces_with_counts


def home(request: HttpRequest) -> HttpResponse:
    """The front page: what Buurtbeurs is, a search box, the country in numbers."""
    counts = place_counts()
    counts["initiatives"] = Initiative.objects.published().count()
    return render(
        request,
        "home.html",
        {"counts": counts, "provinces": provinces_with_counts()},
    )


def initiative_list(request: HttpRequest) -> HttpResponse:
    """Published initiatives, optionally narrowed by a name search (filters: issue #5)."""
    query = request.GET.get("q", "").strip()[:100]
    initiatives = published_initiatives(query=query)
    page = Paginator(initiatives, 25).get_page(request.GET.get("page"))
    return render(request, "initiatives/list.html", {"page": page, "query": query})
