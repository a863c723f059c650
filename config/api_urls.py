"""The JSON API, version 1 (issue #7 completes it; these read the Social Handprint)."""

from django.urls import path

from impact import api as impact_api

urlpatterns = [
    path("impact/sdgs/", impact_api.SdgListView.as_view(), name="api_sdgs"),
    path("impact/areas/<str:code>/", impact_api.AreaHandprintView.as_view(), name="api_area"),
    path(
        "initiatives/<slug:slug>/handprint/",
        impact_api.InitiativeHandprintView.as_view(),
        name="api_initiative_handprint",
    ),
]
