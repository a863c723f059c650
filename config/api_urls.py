"""The JSON API, version 1: places, initiatives, impact, members and open data (issue #7)."""

from django.urls import include, path

from funding import api as funding_api
from impact import api as impact_api
from impact import api_initiatives
from initiatives import opendata
from members import api as members_api
from places import api as places_api

urlpatterns = [
    path("", include("initiatives.api_write_urls")),
    path("", include("impact.api_activity_urls")),
    path("exchange/", include("exchange.api_urls")),
    path(
        "places/municipalities/",
        places_api.MunicipalityList.as_view(),
        name="api_municipalities",
    ),
    path(
        "places/municipalities/<str:code>/",
        places_api.MunicipalityDetail.as_view(),
        name="api_municipality",
    ),
    path("places/districts/", places_api.DistrictList.as_view(), name="api_districts"),
    path("places/districts/<str:code>/", places_api.DistrictDetail.as_view(), name="api_district"),
    path(
        "places/neighbourhoods/",
        places_api.NeighbourhoodList.as_view(),
        name="api_neighbourhoods",
    ),
    path(
        "places/neighbourhoods/<str:code>/",
        places_api.NeighbourhoodDetail.as_view(),
        name="api_neighbourhood",
    ),
    path("initiatives/", api_initiatives.InitiativeList.as_view(), name="api_initiatives"),
    path(
        "initiatives/<slug:slug>/",
        api_initiatives.InitiativeDetail.as_view(),
        name="api_initiative",
    ),
    path("members/", members_api.MemberList.as_view(), name="api_members"),
    path("members/<slug:slug>/", members_api.MemberDetail.as_view(), name="api_member"),
    path(
        "opendata/municipalities/<str:code>.json",
        opendata.OpenDataJson.as_view(),
        name="api_opendata_json",
    ),
    path(
        "opendata/municipalities/<str:code>.csv",
        opendata.OpenDataCsv.as_view(),
        name="api_opendata_csv",
    ),
    path("funding/awards/", funding_api.AwardList.as_view(), name="api_funding_awards"),
    path("funding/awards.csv", funding_api.AwardCsv.as_view(), name="api_funding_awards_csv"),
    path("funding/rounds/", funding_api.OpenRoundList.as_view(), name="api_funding_rounds"),
    path("impact/sdgs/", impact_api.SdgListView.as_view(), name="api_sdgs"),
    path("impact/areas/<str:code>/", impact_api.AreaHandprintView.as_view(), name="api_area"),
    path("impact/methods/", impact_api.MethodVersionListView.as_view(), name="api_methods"),
    path("impact/methods/<str:code>/", impact_api.MethodDocumentView.as_view(), name="api_method"),
    path(
        "initiatives/<slug:slug>/handprint/",
        impact_api.InitiativeHandprintView.as_view(),
        name="api_initiative_handprint",
    ),
]
