from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = _("Page cache")

    def ready(self) -> None:
        # Admin edits, shell edits and any service alike bump what they change (receivers.py).
        from pagecache import receivers

        receivers.connect()
