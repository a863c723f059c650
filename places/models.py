"""CBS statistical geography: province → municipality (gemeente) → district (wijk) → buurt.

Codes are the primary keys and stay strings (WK0363AA has letters). A place that vanishes
from a newer CBS edition is marked inactive, never deleted: initiatives may point at it.
"""

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from places import validators


@lru_cache(maxsize=32_768)
def _reverse(prefix: str, urlconf: str | None, name: str, args: tuple[str, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=args)


def place_url(name: str, *args: str) -> str:
    """`reverse(name, args=args)`, kept per process: an area page links 110 wijken.

    The key holds what the answer depends on: the script prefix and the URL configuration.
    """
    return _reverse(get_script_prefix(), get_urlconf(settings.ROOT_URLCONF), name, args)


class PlaceQuerySet(models.QuerySet):
    def active(self) -> "PlaceQuerySet":
        return self.filter(is_active=True)


class Place(models.Model):
    code = models.CharField(_("CBS code"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    edition = models.CharField(
        _("CBS edition"), max_length=20, help_text=_("The CBS edition this row comes from.")
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive codes no longer exist in the current CBS edition."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


def _code_field(max_length: int, validator: Callable[[str], None]) -> models.CharField:
    return models.CharField(
        _("CBS code"), max_length=max_length, primary_key=True, validators=[validator]
    )


def _code_check(model_name: str, pattern: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(code__regex=pattern), name=f"{model_name}_code_format"
    )


class Province(Place):
    code = _code_field(4, validators.validate_province_code)

    class Meta(Place.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [_code_check("province", validators.PROVINCE_CODE_RE)]

    def get_absolute_url(self) -> str:
        return place_url("province_detail", self.code)


class Municipality(Place):
    code = _code_field(6, validators.validate_municipality_code)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("province"),
    )

    class Meta(Place.Meta):
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [_code_check("municipality", validators.MUNICIPALITY_CODE_RE)]

    def get_absolute_url(self) -> str:
        return place_url("municipality_detail", self.code)


class District(Place):
    code = _code_field(8, validators.validate_district_code)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="districts",
        verbose_name=_("municipality"),
    )

    class Meta(Place.Meta):
        verbose_name = _("district (wijk)")
        verbose_name_plural = _("districts (wijken)")
        constraints = [_code_check("district", validators.DISTRICT_CODE_RE)]

    def get_absolute_url(self) -> str:
        return place_url("district_detail", self.municipality_id, self.code)


class Neighbourhood(Place):
    code = _code_field(10, validators.validate_neighbourhood_code)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="neighbourhoods",
        verbose_name=_("district (wijk)"),
    )
    is_synthetic = models.BooleanField(
        _("synthetic (demo)"),
        default=False,
        help_text=_("Generated for demonstrations and benchmarks; not a real CBS buurt."),
    )

    class Meta(Place.Meta):
        verbose_name = _("neighbourhood (buurt)")
        verbose_name_plural = _("neighbourhoods (buurten)")
        constraints = [_code_check("neighbourhood", validators.NEIGHBOURHOOD_CODE_RE)]

    def get_absolute_url(self) -> str:
        """Reads the wijk: load it with the buurt (select_related("district"))."""
        return place_url(
            "neighbourhood_detail", self.district.municipality_id, self.district_id, self.code
        )
