from django.urls import path

from funding import views, views_accountability, views_committee, views_payments, views_reports

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
    # Committee-ranked rounds (issue #21): the fund manager's rounds and reviews side by side.
    path("mijn/regelingen/rondes/nieuw/", views_committee.round_new, name="funding_round_new"),
    path(
        "mijn/regelingen/rondes/<int:pk>/bewerken/",
        views_committee.round_edit,
        name="funding_round_edit",
    ),
    path(
        "mijn/regelingen/rondes/<int:pk>/criteria/",
        views_committee.round_criteria,
        name="funding_round_criteria",
    ),
    path(
        "mijn/regelingen/rondes/<int:pk>/commissie/",
        views_committee.round_committee,
        name="funding_round_committee",
    ),
    path(
        "mijn/regelingen/rondes/<int:pk>/commissie/<int:member_pk>/intrekken/",
        views_committee.round_committee_revoke,
        name="funding_round_committee_revoke",
    ),
    path(
        "mijn/regelingen/rondes/<int:pk>/beoordelingen/",
        views_committee.round_reviews,
        name="funding_round_reviews",
    ),
    # Committee members: the applications without personal fields, and their reviews.
    path("mijn/commissie/", views_committee.committee_overview, name="funding_committee"),
    path(
        "mijn/commissie/rondes/<int:pk>/",
        views_committee.committee_round,
        name="funding_committee_round",
    ),
    path("mijn/commissie/aanvragen/<int:pk>/", views_committee.review, name="funding_review"),
    path(
        "mijn/commissie/aanvragen/<int:pk>/belangenverstrengeling/",
        views_committee.review_conflict,
        name="funding_review_conflict",
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
