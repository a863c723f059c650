"""Partners and offers (issue #22): the public pages, the partner's own pages, moderation."""

from django.urls import path

from exchange import views_partners as views

urlpatterns = [
    path("beurs/", views.exchange_home, name="exchange_home"),
    path("beurs/aanbod/", views.offer_list, name="exchange_offers"),
    path("beurs/partners/", views.partner_list, name="exchange_partners"),
    path("beurs/aanmelden/", views.partner_register, name="exchange_partner_register"),
    path("beurs/mijn/", views.mine, name="exchange_mine"),
    path("beurs/moderatie/", views.moderation, name="exchange_moderation"),
    path("beurs/moderatie/<slug:slug>/<str:action>/", views.moderate, name="exchange_moderate"),
    path("beurs/partners/<slug:slug>/", views.partner_detail, name="exchange_partner"),
    path(
        "beurs/partners/<slug:slug>/beheer/",
        views.partner_manage,
        name="exchange_partner_manage",
    ),
    path("beurs/partners/<slug:slug>/bewerken/", views.partner_edit, name="exchange_partner_edit"),
    path(
        "beurs/partners/<slug:slug>/opnieuw-indienen/",
        views.partner_resubmit,
        name="exchange_partner_resubmit",
    ),
    path(
        "beurs/partners/<slug:slug>/medewerkers/",
        views.staff_add,
        name="exchange_partner_staff_add",
    ),
    path(
        "beurs/partners/<slug:slug>/medewerkers/<int:pk>/verwijderen/",
        views.staff_remove,
        name="exchange_partner_staff_remove",
    ),
    path(
        "beurs/partners/<slug:slug>/aanbod/nieuw/",
        views.offer_create,
        name="exchange_offer_create",
    ),
    path(
        "beurs/partners/<slug:slug>/aanbod/<int:pk>/bewerken/",
        views.offer_edit,
        name="exchange_offer_edit",
    ),
    path(
        "beurs/partners/<slug:slug>/aanbod/<int:pk>/sluiten/",
        views.offer_close,
        name="exchange_offer_close",
    ),
]
