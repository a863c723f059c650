"""Funds and their rounds (regelingen): who gives money, from which pot, to whom, on which terms.

A *fund* is a funder's scheme (a gemeente's initiatives fund, a national impulse fund) with
its regulation; LSA staff grant *fund managers* per fund. A *round* is one pot of money with a
window (or rolling), award limits, an area scope, the Social Handprint method version its
eligibility is read in (pinned, so a new method cannot change who may apply during a round)
and its decision term. The pot is guarded in the database: `reserved + awarded ≤ pot`.
Issue #20 ("Funding rounds I"); docs/funding.md.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
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
    no_award_months = models.PositiveSmallIntegerField(
        _("no award from this fund in the last … months"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
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

    def is_open(self, today: datetime.date) -> bool:
        """Takes applications on `today`: within its window and its fund active."""
        closed = self.closes_on is not None and today > self.closes_on
        return self.fund.is_active and self.opens_on <= today and not closed


def validate_iban(value: str) -> None:
    """A valid IBAN (checksum, country format and bank code), by `schwifty`."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(value)
    except SchwiftyException as error:
        raise ValidationError(_("This is not a valid IBAN: %(why)s") % {"why": error}) from error


PLAN_MAX_LENGTH = 10_000
DECISION_MAX_LENGTH = 10_000


class Application(models.Model):
    """An initiative's request for money from a round; its owners (and co-owners) write it.

    draft → submitted (holding a reservation on the pot) or waiting (in line for money) →
    approved, partly approved or rejected; "more information" sends it back to the applicant
    with its place kept; withdrawn by the applicant. funding.services moves it, under a row
    lock on the round, so the pot is never overspent and the line is kept exactly.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        WAITING = "waiting", _("waiting for money in the pot")
        MORE_INFO = "more_info", _("more information asked")
        APPROVED = "approved", _("approved")
        PARTLY = "partly", _("partly approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Payee(models.TextChoices):
        ENTITY = "entity", _("the initiative's legal entity")
        PERSON = "person", _("a person")

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="applications", verbose_name=_("round")
    )
    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.PROTECT,
        related_name="funding_applications",
        verbose_name=_("initiative"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # What the initiative asks and why (shown to the fund manager; the purpose becomes public
    # with an award).
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    plan = models.TextField(_("plan"), blank=True, max_length=PLAN_MAX_LENGTH)
    amount = models.DecimalField(
        _("amount asked"), **MONEY, null=True, blank=True, validators=[MinValueValidator(CENT)]
    )
    own_money = models.DecimalField(
        _("own contribution in money"),
        **MONEY,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    own_hours = models.DecimalField(
        _("own contribution in volunteer hours"),
        max_digits=8,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    own_materials = models.CharField(_("own contribution in materials"), max_length=300, blank=True)
    supporters = models.PositiveIntegerField(_("residents in favour"), default=0)
    opponents = models.PositiveIntegerField(_("residents against"), default=0)
    # Private: the fund manager and the applicant only.
    payee = models.CharField(
        _("paid to"), max_length=8, choices=Payee.choices, default=Payee.ENTITY
    )
    payee_name = models.CharField(_("name of the account holder"), max_length=150, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    # The line for money: set under the round's lock at submission.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reserved = models.DecimalField(_("reserved"), **MONEY, default=Decimal(0), editable=False)
    eligibility = models.JSONField(_("eligibility at submission"), default=list, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    extended_due = models.DateField(_("extended to"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True, max_length=2_000)
    # Timers (funding.tasks.decision_timers): each set once, by beat.
    reminded_at = models.DateTimeField(_("fund managers reminded at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)
    # The decision: kept (the outbox's mail bodies are purged later, this is not).
    awarded = models.DecimalField(_("awarded"), **MONEY, null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision = models.TextField(_("decision"), blank=True, max_length=DECISION_MAX_LENGTH)
    grounds = models.TextField(_("grounds"), blank=True, max_length=DECISION_MAX_LENGTH)
    objection = models.TextField(_("objection clause"), blank=True, max_length=2_000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["round", "status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(reserved__gte=0), name="application_reserved"),
            # Only an application holding its place in the pot reserves money, all it asks.
            models.CheckConstraint(
                condition=Q(reserved=0)
                | (Q(status__in=["submitted", "more_info"]) & Q(reserved=F("amount"))),
                name="application_reserves_its_amount",
            ),
            models.CheckConstraint(
                condition=Q(awarded__isnull=True)
                | (
                    Q(status__in=["approved", "partly"])
                    & Q(awarded__gt=0)
                    & Q(awarded__lte=F("amount"))
                ),
                name="application_awarded_within_asked",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="application_submitted_at",
            ),
            text_max_length("plan", PLAN_MAX_LENGTH, name="application_plan_length"),
            text_max_length("decision", DECISION_MAX_LENGTH, name="application_decision_length"),
            text_max_length("grounds", DECISION_MAX_LENGTH, name="application_grounds_length"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} – {self.round}"

    @property
    def due(self) -> datetime.date | None:
        return self.extended_due or self.decision_due


# The decisions that give money: an award (the register, the limits per 12 months, erasure).
AWARDED = (Application.Status.APPROVED, Application.Status.PARTLY)


class BudgetLine(models.Model):
    """One line of an application's budget: what the money is for."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="budget_lines"
    )
    description = models.CharField(_("what for"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(CENT)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="budget_line_amount")]

    def __str__(self) -> str:
        return self.description
