"""Funds and their rounds (regelingen): who gives money, from which pot, to whom, on which terms.

A *fund* is a funder's scheme (a gemeente's initiatives fund, a national impulse fund) with
its regulation; LSA staff grant *fund managers* per fund. A *round* is one pot of money with a
window (or rolling), award limits, an area scope, the Social Handprint method version its
eligibility is read in (pinned, so a new method cannot change who may apply during a round)
and its decision term. The pot is guarded in the database: `reserved + awarded ≤ pot`.
Issue #20 ("Funding rounds I"); docs/funding.md.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.constraints import text_max_length
from funding.terms import Unit
from impact.models import MethodVersion
from initiatives.models import Initiative

DESCRIPTION_MAX_LENGTH = 5_000
REGULATION_MAX_LENGTH = 50_000
MONEY = {"max_digits": 12, "decimal_places": 2}
CENT = Decimal("0.01")


class Fund(models.Model):
    """A funder's scheme; public (its rounds are listed at /regelingen/)."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("web address"), max_length=160, unique=True)
    funder = models.CharField(
        _("funder"), max_length=150, help_text=_("Who gives the money, e.g. Gemeente Utrecht.")
    )
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    regulation = models.TextField(
        _("regulation"),
        blank=True,
        max_length=REGULATION_MAX_LENGTH,
        help_text=_("The rules of the fund as published (the regeling)."),
    )
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="FundManager",
        through_fields=("fund", "user"),
        related_name="managed_funds",
        verbose_name=_("fund managers"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            text_max_length("description", DESCRIPTION_MAX_LENGTH, name="fund_description_length"),
            text_max_length("regulation", REGULATION_MAX_LENGTH, name="fund_regulation_length"),
        ]

    def __str__(self) -> str:
        return self.name


class FundManager(models.Model):
    """A person who runs a fund's rounds and decides its applications; granted by LSA staff.

    Fund managers see payees and bank accounts, so they need a second factor like officers
    (accounts.roles.sees_personal_data). Never staff by this grant alone.
    """

    fund = models.ForeignKey(
        Fund, on_delete=models.CASCADE, related_name="manager_grants", verbose_name=_("fund")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="fund_grants",
        verbose_name=_("user"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fund manager")
        verbose_name_plural = _("fund managers")
        constraints = [
            models.UniqueConstraint(fields=["fund", "user"], name="fund_manager_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.fund}"


class Round(models.Model):
    """One pot of a fund, with its window, limits, scope and terms."""

    class Mode(models.TextChoices):
        FIRST_COME = "first_come", _("first come, first served")

    class Scope(models.TextChoices):
        PRIMARY = "primary", _("the initiative's own location")
        SERVED = "served", _("the areas the initiative serves")

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("fund")
    )
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("web address"), max_length=160)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.FIRST_COME)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(
        _("closes on"),
        null=True,
        blank=True,
        help_text=_("The last day applications are accepted; empty for a rolling round."),
    )
    pot = models.DecimalField(_("pot"), **MONEY, validators=[MinValueValidator(CENT)])
    # What the pot holds back: complete submissions waiting for a decision (reserved) and the
    # amounts decided (awarded). Only funding.services changes them, under a row lock.
    reserved = models.DecimalField(_("reserved"), **MONEY, default=Decimal(0), editable=False)
    awarded = models.DecimalField(_("awarded"), **MONEY, default=Decimal(0), editable=False)
    min_award = models.DecimalField(
        _("minimum per award"), **MONEY, validators=[MinValueValidator(CENT)]
    )
    max_award = models.DecimalField(
        _("maximum per award"), **MONEY, validators=[MinValueValidator(CENT)]
    )
    max_awards_per_year = models.PositiveSmallIntegerField(
        _("awards per initiative per 12 months"),
        default=1,
        validators=[MinValueValidator(1)],
    )
    persons_allowed = models.BooleanField(
        _("a person may receive the money"),
        default=False,
        help_text=_("Otherwise only the initiative's legal entity (stichting, vereniging)."),
    )
    person_max = models.DecimalField(
        _("at most to a person"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT)],
    )
    scope_codes = ArrayField(
        models.CharField(max_length=10),
        verbose_name=_("areas (CBS codes)"),
        default=list,
        blank=True,
        help_text=_("Provinces, gemeenten, wijken or buurten; empty for the whole country."),
    )
    scope_from = models.CharField(
        _("area read from"), max_length=8, choices=Scope.choices, default=Scope.PRIMARY
    )
    # Eligibility (funding/eligibility.py): each rule applies when set; the applicant sees each
    # with "yes, because…" or "not yet, because…".
    kinds = ArrayField(
        models.CharField(max_length=24, choices=Initiative.Kind.choices),
        verbose_name=_("kinds of initiative"),
        default=list,
        blank=True,
        help_text=_("Empty: every kind."),
    )
    stages = ArrayField(
        models.CharField(max_length=8, choices=Initiative.Stage.choices),
        verbose_name=_("stages"),
        default=list,
        blank=True,
        help_text=_("Empty: any stage, or none given."),
    )
    handprint_minimum = models.DecimalField(
        _("handprint at least"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT)],
        help_text=_("The central value of the last 12 months, in the round's method version."),
    )
    handprint_sdgs = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(17)]),
        verbose_name=_("on any of these SDGs"),
        default=list,
        blank=True,
        help_text=_("SDG numbers; empty: the handprint's total."),
    )
    requires_money_need = models.BooleanField(_("an open money need on the profile"), default=False)
    requires_complete_profile = models.BooleanField(
        _("a complete profile"),
        default=True,
        help_text=_(
            "A summary, a description, a photo, a monthly report in the last three months and "
            "the activities declared."
        ),
    )
    method_version = models.ForeignKey(
        MethodVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Social Handprint method version"),
        help_text=_("Eligibility reads the handprint in this version for the whole round."),
    )
    decision_term = models.PositiveSmallIntegerField(
        _("decision term"), validators=[MinValueValidator(1)]
    )
    decision_term_unit = models.CharField(
        _("unit"), max_length=12, choices=Unit.choices, default=Unit.WEEKS
    )
    extension_term = models.PositiveSmallIntegerField(
        _("extension"),
        default=0,
        help_text=_("How much longer a decision may take, once, with a reason; 0 for none."),
    )
    extension_term_unit = models.CharField(
        _("unit"), max_length=12, choices=Unit.choices, default=Unit.WEEKS
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "name"]
        verbose_name = _("funding round")
        verbose_name_plural = _("funding rounds")
        constraints = [
            models.UniqueConstraint(fields=["fund", "slug"], name="round_slug_unique"),
            # The pot is never overspent, whatever writes (issue #20).
            models.CheckConstraint(
                condition=Q(reserved__gte=0)
                & Q(awarded__gte=0)
                & Q(reserved__lte=F("pot") - F("awarded")),
                name="round_pot_not_overspent",
            ),
            models.CheckConstraint(
                condition=Q(min_award__gt=0)
                & Q(min_award__lte=F("max_award"))
                & Q(max_award__lte=F("pot")),
                name="round_award_limits",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True) | Q(closes_on__gte=F("opens_on")),
                name="round_window",
            ),
            models.CheckConstraint(
                condition=Q(handprint_minimum__isnull=True) | Q(handprint_minimum__gt=0),
                name="round_handprint_minimum",
            ),
            models.CheckConstraint(
                condition=Q(person_max__isnull=True)
                | (Q(persons_allowed=True) & Q(person_max__lte=F("max_award"))),
                name="round_person_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} – {self.name}"

    @property
    def available(self) -> Decimal:
        """What is left for new reservations."""
        return self.pot - self.reserved - self.awarded

    @property
    def is_rolling(self) -> bool:
        return self.closes_on is None
