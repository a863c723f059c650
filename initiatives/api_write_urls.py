"""The API's owner writes and the sub-resources they live on (included by config/api_urls.py)."""

from django.urls import path

from initiatives import api_write

urlpatterns = [
    path(
        "initiatives/<slug:slug>/needs/",
        api_write.NeedListView.as_view(),
        name="api_initiative_needs",
    ),
    path(
        "initiatives/<slug:slug>/needs/<int:pk>/",
        api_write.NeedDetailView.as_view(),
        name="api_initiative_need",
    ),
    path(
        "initiatives/<slug:slug>/activity/",
        api_write.ActivityListView.as_view(),
        name="api_initiative_activity",
    ),
    path(
        "initiatives/<slug:slug>/activity/<str:month>/",
        api_write.ActivityMonthView.as_view(),
        name="api_initiative_activity_month",
    ),
]
