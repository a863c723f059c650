from django.urls import path

from funding import views, views_payments, views_reports

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
    # Payments and reports (issue #21): the fund's managers only.
    path(
        "mijn/regelingen/rondes/<int:pk>/betalingen/",
        views_payments.round_payments,
        name="funding_payments",
    ),
    path(
        "mijn/regelingen/betalingen/<int:pk>/",
        views_payments.batch_detail,
        name="funding_batch",
    ),
    path(
        "mijn/regelingen/betalingen/<int:pk>/betaalopdracht.<str:fmt>",
        views_payments.batch_file,
        name="funding_batch_file",
    ),
    path(
        "mijn/regelingen/rondes/<int:pk>/rapport/",
        views_reports.round_report_page,
        name="funding_round_report",
    ),
    path(
        "mijn/regelingen/rondes/<int:pk>/rapport.<str:fmt>",
        views_reports.round_report_page,
        name="funding_round_report_file",
    ),
    path(
        "mijn/regelingen/fondsen/<slug:slug>/rapport/",
        views_reports.fund_report_page,
        name="funding_fund_report",
    ),
    path(
        "mijn/regelingen/fondsen/<slug:slug>/rapport.<str:fmt>",
        views_reports.fund_report_page,
        name="funding_fund_report_file",
    ),
]
