from django.utils.translation import get_language


class BilingualNameMixin:
    """Picks `name_en` or `name_nl` for the active language; Dutch is the default."""

    name_nl: str
    name_en: str

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl
