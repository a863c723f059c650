"""The match pages: the sides' own (`/mijn/matches/…`) and the visitor's by secret link."""

from django.urls import path

from exchange import views_matches as views

urlpatterns = [
    path("mijn/matches/", views.match_list, name="exchange_matches"),
    path("mijn/matches/<int:pk>/", views.match_detail, name="exchange_match"),
    path("mijn/matches/<int:pk>/<str:action>/", views.match_action, name="exchange_match_action"),
    path("mijn/matches/vragen/<int:offer_pk>/", views.match_ask, name="exchange_match_ask"),
    path("mijn/matches/aanbieden/<int:need_pk>/", views.match_offer, name="exchange_match_offer"),
    path(
        "mijn/matches/hulpaanbod/<int:pk>/",
        views.match_from_help_offer,
        name="exchange_match_from_help_offer",
    ),
    # The visitor's secret link (mailed only); their page and forms then go without it.
    path("beurs/match/<str:token>/", views.helper_entry, name="exchange_helper_entry"),
    path("beurs/hulp/", views.helper_match, name="exchange_helper_match"),
    path("beurs/hulp/<str:action>/", views.helper_action, name="exchange_helper_action"),
]
