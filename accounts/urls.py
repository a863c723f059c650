from django.urls import path

from accounts import views

urlpatterns = [
    path("mijn/api-sleutels/", views.api_tokens, name="api_tokens"),
    path(
        "mijn/api-sleutels/<int:token_id>/intrekken/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
]
