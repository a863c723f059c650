"""The 17 Sustainable Development Goals, as reference data both initiatives and impact use."""

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.i18n import BilingualNameMixin


class Goal(BilingualNameMixin, models.Model):
    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    colour = models.CharField(_("official colour"), max_length=7)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Sustainable Development Goal")
        verbose_name_plural = _("Sustainable Development Goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=17), name="goal_number_1_to_17"
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9A-F]{6}$"), name="goal_colour_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"SDG {self.number}: {self.name}"


class Target(models.Model):
    """One of the 169 SDG targets ("3.4", "11.a"); the Dutch short label is our own wording."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="targets")
    position = models.PositiveSmallIntegerField(_("position"), unique=True)
    name_en = models.TextField(_("English text (United Nations)"))
    short_nl = models.CharField(_("short Dutch label (our wording)"), max_length=120, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("SDG target")
        verbose_name_plural = _("SDG targets")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """The short Dutch label in Dutch where we wrote one, else the UN's English text."""
        if self.short_nl and not (get_language() or "nl").startswith("en"):
            return self.short_nl
        return self.name_en
