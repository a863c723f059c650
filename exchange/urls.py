"""The exchange's pages: partners and offers (public, and kept by partner staff), matches, and
the match figures."""

from exchange.urls_figures import urlpatterns as figure_patterns
from exchange.urls_matches import urlpatterns as match_patterns
from exchange.urls_partners import urlpatterns as partner_patterns

urlpatterns = [*partner_patterns, *match_patterns, *figure_patterns]
