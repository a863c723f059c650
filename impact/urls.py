from django.urls import path

from impact import views

urlpatterns = [
    path("methode/", views.method, name="method"),
    path("methode/<str:code>/", views.method, name="method_version"),
    path(
        "initiatieven/<slug:slug>/indicatoren/",
        views.indicator_quantity,
        name="indicator_quantity",
    ),
]
