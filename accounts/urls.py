from django.urls import path

from accounts import views

urlpatterns = [
    path("mijn/api-sleutels/", views.api_tokens, name="api_tokens"),
    path(
        "mijn/api-sleutels/<int:token_id>/intrekken/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("mijn/gegevens/", views.my_data, name="my_data"),
    path("mijn/gegevens.json", views.my_data_download, name="my_data_download"),
    path("mijn/account-verwijderen/", views.account_delete_view, name="account_delete"),
]
