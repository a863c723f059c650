"""The site's URLs plus `/bench/trivial/`: only routed by bench.settings (`make bench-load`)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from config.urls import handler400, handler500


def trivial(request: HttpRequest) -> HttpResponse:
    """The cheapest answer Django can give: what every page pays before its own work."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("", include("config.urls")),
]

__all__ = ["handler400", "handler500", "urlpatterns"]
