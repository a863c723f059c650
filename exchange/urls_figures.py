"""The exchange's match figures: nationally, beside the Maatschappelijke Beursvloer's average."""

from django.urls import path

from exchange import views_figures

urlpatterns = [
    path("beurs/cijfers/", views_figures.figures_page, name="exchange_figures"),
]
