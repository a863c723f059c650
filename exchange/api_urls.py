"""The exchange's JSON API (/api/v1/exchange/): partners, offers, match figures per area."""

from exchange.api_urls_figures import urlpatterns as figure_patterns
from exchange.api_urls_partners import urlpatterns as partner_patterns

urlpatterns = [*partner_patterns, *figure_patterns]
