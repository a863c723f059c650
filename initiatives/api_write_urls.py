"""The API's owner writes and the sub-resources they live on (included by config/api_urls.py).

The monthly activity and the declared activities are in impact/api_activity_urls.py."""

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
]
