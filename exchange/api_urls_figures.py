"""/api/v1/exchange/figures/: the match figures of the country, and of an area by CBS code."""

from django.urls import path

from exchange import api_figures

urlpatterns = [
    path("figures/", api_figures.NationalFigures.as_view(), name="api_exchange_figures"),
    path(
        "figures/<str:code>/",
        api_figures.AreaFiguresView.as_view(),
        name="api_exchange_figures_area",
    ),
]
