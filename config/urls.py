from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.views import text_page
from initiatives import views as initiative_views
from ops import views as ops_views
from places import views as place_views

admin.site.site_header = _("Buurtbeurs administration")
admin.site.site_title = _("Buurtbeurs administration")
admin.site.index_title = _("LSA staff")

urlpatterns = [
    path("", initiative_views.home, name="home"),
    path("provincies/<str:code>/", place_views.province_detail, name="province_detail"),
    path("gemeenten/<str:code>/", place_views.municipality_detail, name="municipality_detail"),
    path("initiatieven/", initiative_views.initiative_list, name="initiative_list"),
    path("privacy/", text_page, {"name": "privacy"}, name="privacy"),
    path("gebruiksvoorwaarden/", text_page, {"name": "terms"}, name="terms"),
    path("toegankelijkheid/", text_page, {"name": "accessibility"}, name="accessibility"),
    path("health/", ops_views.health, name="health"),
    path("health/ready/", ops_views.ready, name="health_ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.ADMIN_URL, admin.site.urls),
]
