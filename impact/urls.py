from django.urls import path

from impact import views

urlpatterns = [
    path("initiatieven/<slug:slug>/", views.initiative_detail, name="initiative_detail"),
    path("initiatieven/<slug:slug>/activiteit/", views.activity, name="initiative_activity"),
    path(
        "initiatieven/<slug:slug>/handprint/verklaring/",
        views.statement,
        name="handprint_statement",
    ),
    path("methode/", views.method, name="method"),
    path("methode/<str:code>/", views.method, name="method_version"),
    path("methode/<str:code>/methode.<str:fmt>", views.method_download, name="method_download"),
    path(
        "initiatieven/<slug:slug>/activiteiten/",
        views.declared_activities,
        name="initiative_activities",
    ),
]
