from django.urls import path

from funding import views, views_accountability

urlpatterns = [
    path("regelingen/", views.rounds, name="funding_rounds"),
    path("initiatieven/<slug:slug>/regelingen/", views.apply_overview, name="funding_apply"),
    path(
        "initiatieven/<slug:slug>/regelingen/<int:round_pk>/aanvragen/",
        views.application_new,
        name="funding_application_new",
    ),
    path(
        "initiatieven/<slug:slug>/aanvragen/<int:pk>/",
        views.application_edit,
        name="funding_application",
    ),
    path(
        "initiatieven/<slug:slug>/aanvragen/<int:pk>/intrekken/",
        views.application_withdraw,
        name="funding_application_withdraw",
    ),
    path("mijn/regelingen/", views.manager_overview, name="funding_manage"),
    path(
        "mijn/regelingen/aanvragen/<int:pk>/",
        views.manager_application,
        name="funding_manage_application",
    ),
    path(
        "mijn/regelingen/aanvragen/<int:pk>/verlengen/",
        views.manager_extend,
        name="funding_manage_extend",
    ),
    path(
        "initiatieven/<slug:slug>/aanvragen/<int:pk>/verantwoording/",
        views_accountability.accountability,
        name="funding_accountability",
    ),
    path(
        "initiatieven/<slug:slug>/aanvragen/<int:pk>/verantwoording/bonnen/<int:receipt_pk>/",
        views_accountability.receipt_download,
        name="funding_receipt",
    ),
    path(
        "mijn/regelingen/aanvragen/<int:pk>/verantwoording/",
        views_accountability.manager_accountability,
        name="funding_manage_accountability",
    ),
    path(
        "mijn/regelingen/aanvragen/<int:pk>/verantwoording/terugvorderen/",
        views_accountability.manager_reclaim,
        name="funding_manage_reclaim",
    ),
]
