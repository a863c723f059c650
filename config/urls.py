import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from areas import views as area_views
from config.views import language_switch, media_serve, text_page
from ops import views as ops_views

admin.site.site_header = _("Buurtbeurs administration")
admin.site.site_title = _("Buurtbeurs administration")
admin.site.index_title = _("LSA staff")

handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"

urlpatterns = [
    path("", area_views.home, name="home"),
    path("", include("accounts.urls")),
    path("", include("privacy.urls")),
    path("", include("initiatives.urls")),
    path("", include("impact.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("areas.urls")),
    path("", include("members.urls")),
    path("", include("funding.urls")),
    path("", include("exchange.urls")),
    path("privacy/", text_page, {"name": "privacy"}, name="privacy"),
    path("gebruiksvoorwaarden/", text_page, {"name": "terms"}, name="terms"),
    path("toegankelijkheid/", text_page, {"name": "accessibility"}, name="accessibility"),
    path("health/", ops_views.health, name="health"),
    path("health/ready/", ops_views.ready, name="health_ready"),
    path("health/metrics/", ops_views.metrics, name="health_metrics"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    # The language links in every page's header (GET, no CSRF token: pages stay cacheable).
    path("taal/<str:code>/", language_switch, name="language_switch"),
    # Django's POST form: kept for forms rendered by older pages still open in a browser.
    path("i18n/", include("django.conf.urls.i18n")),
    path(f"{settings.ADMIN_URL}members/", include("members.import_urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded photos are re-encoded JPEGs under fresh names; served with their real type.
    # Files with personal data are kept outside MEDIA_ROOT (PRIVATE_MEDIA_ROOT) and have no URL.
    urlpatterns += [
        re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", media_serve)
    ]
