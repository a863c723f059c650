"""The 17 Sustainable Development Goals, as reference data both initiatives and impact use."""

from django.db import models
from django.db.models import Q
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
