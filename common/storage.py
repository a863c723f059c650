"""The storage for files with personal data: on disk under PRIVATE_MEDIA_ROOT, never under a URL.

Registered in STORAGES as "private" (use `storages["private"]`). MEDIA_ROOT is public: Django
(SERVE_MEDIA) or a proxy hands out whatever lies there to anyone who knows the name, so
uploads that are not published photos (member import files) are kept here instead.
"""

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    """FileSystemStorage rooted at PRIVATE_MEDIA_ROOT (read when first used, and again when a
    test changes the setting); refuses to give any file a URL."""

    @cached_property
    def base_location(self) -> str:
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("private files have no URL; serve them through a view")
