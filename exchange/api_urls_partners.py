"""The exchange's partners and offers in the JSON API (/api/v1/exchange/)."""

from django.urls import path

from exchange import api_partners

urlpatterns = [
    path("partners/", api_partners.PartnerList.as_view(), name="api_exchange_partners"),
    path(
        "partners/<slug:slug>/",
        api_partners.PartnerDetail.as_view(),
        name="api_exchange_partner",
    ),
    path("offers/", api_partners.OfferList.as_view(), name="api_exchange_offers"),
]
