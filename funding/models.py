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
from django.core.files.storage import Storage, storages
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


def compact_iban(iban: str) -> str:
    """An IBAN as banks print it: no spaces, upper case."""
    return "".join(iban.split()).upper()


def validate_iban(value: str) -> None:
    """A valid IBAN (checksum, country format and bank code), by `schwifty`."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(value)
    except SchwiftyException as error:
        raise ValidationError(_("This is not a valid IBAN: %(why)s") % {"why": error}) from error


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
    # The account the fund pays from: the debtor of its SEPA credit transfer files. Not shown
    # on public pages (it is an organisation's account, but nobody outside needs it).
    account_name = models.CharField(_("account holder"), max_length=70, blank=True)
    account_iban = models.CharField(
        _("IBAN paid from"), max_length=34, blank=True, validators=[validate_iban]
    )
    account_bic = models.CharField(_("BIC"), max_length=11, blank=True)
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

    @property
    def has_account(self) -> bool:
        """It has an account to pay from (the debtor of its SEPA files)."""
        return bool(self.account_name.strip() and self.account_iban.strip())


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
        COMMITTEE = "committee", _("ranked by a committee")

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
    # Funding rounds II: the life of an award after the decision.
    requires_awards_settled = models.BooleanField(
        _("every earlier award of this fund settled"),
        default=True,
        help_text=_("An initiative with an award of this fund that is not yet settled waits."),
    )
    payment_term = models.PositiveSmallIntegerField(
        _("payment term"),
        default=4,
        validators=[MinValueValidator(1)],
        help_text=_("Counted from the decision."),
    )
    payment_term_unit = models.CharField(
        _("unit"), max_length=12, choices=Unit.choices, default=Unit.WEEKS
    )
    accountability_months = models.PositiveSmallIntegerField(
        _("accountability due after … months"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Counted from the payment."),
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
            # A committee decides after the window: it needs one.
            models.CheckConstraint(
                condition=~Q(mode="committee") | Q(closes_on__isnull=False),
                name="round_committee_window",
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

    @property
    def is_committee(self) -> bool:
        return self.mode == self.Mode.COMMITTEE

    def is_decidable(self, today: datetime.date) -> bool:
        """Its applications may be decided on `today`: any day, but a committee round's only
        after it closes (the reviews side by side first)."""
        return not self.is_committee or today > self.closes_on

    def is_open(self, today: datetime.date) -> bool:
        """Takes applications on `today`: within its window and its fund active."""
        closed = self.closes_on is not None and today > self.closes_on
        return self.fund.is_active and self.opens_on <= today and not closed


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

    class Grant(models.TextChoices):
        """The life of an award after the decision (Funding rounds II)."""

        AWARDED = "awarded", _("awarded, to be paid")
        PAID = "paid", _("paid, to be accounted for")
        ACCOUNTED = "accounted", _("accounted for, to be settled")
        SETTLED = "settled", _("settled")
        RECLAIMED = "reclaimed", _("reclaimed")

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
    # A committee round: the fund manager's ranking after the reviews (1 = first).
    rank = models.PositiveSmallIntegerField(
        _("rank"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # After an award: paid → accounted → settled, or reclaimed. Empty until awarded.
    grant = models.CharField(_("award"), max_length=10, choices=Grant.choices, blank=True)
    payment_due = models.DateField(_("payment due"), null=True, blank=True)
    payment_reminded_at = models.DateTimeField(_("payment reminded at"), null=True, blank=True)
    payment_overdue_at = models.DateTimeField(_("payment marked overdue at"), null=True, blank=True)
    accountability_due = models.DateField(_("accountability due"), null=True, blank=True)
    accountability_reminded_at = models.DateTimeField(
        _("accountability reminded at"), null=True, blank=True
    )
    accountability_overdue_at = models.DateTimeField(
        _("accountability marked overdue at"), null=True, blank=True
    )
    # The settlement (vaststelling): what the award finally is; a reclaim (terugvordering)
    # asks back the difference with what was paid.
    settled_amount = models.DecimalField(
        _("settled at"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    reclaimed_amount = models.DecimalField(
        _("reclaimed"), **MONEY, null=True, blank=True, validators=[MinValueValidator(CENT)]
    )
    settlement = models.TextField(_("settlement"), blank=True, max_length=DECISION_MAX_LENGTH)
    settled_on = models.DateTimeField(_("settled on"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settled by"),
    )
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
            # An award, and only an award, has a life after the decision.
            models.CheckConstraint(
                condition=(Q(status__in=["approved", "partly"]) & ~Q(grant=""))
                | (~Q(status__in=["approved", "partly"]) & Q(grant="")),
                name="application_grant_of_an_award",
            ),
            models.CheckConstraint(
                condition=Q(settled_amount__isnull=True)
                | (Q(settled_amount__gte=0) & Q(settled_amount__lte=F("awarded"))),
                name="application_settled_within_awarded",
            ),
            models.CheckConstraint(
                condition=Q(reclaimed_amount__isnull=True)
                | (
                    Q(grant="reclaimed")
                    & Q(reclaimed_amount__gt=0)
                    & Q(reclaimed_amount__lte=F("awarded"))
                ),
                name="application_reclaimed_within_awarded",
            ),
            models.CheckConstraint(
                condition=~Q(grant__in=["settled", "reclaimed"]) | Q(settled_amount__isnull=False),
                name="application_settled_has_amount",
            ),
            text_max_length("plan", PLAN_MAX_LENGTH, name="application_plan_length"),
            text_max_length("decision", DECISION_MAX_LENGTH, name="application_decision_length"),
            text_max_length("grounds", DECISION_MAX_LENGTH, name="application_grounds_length"),
            text_max_length(
                "settlement", DECISION_MAX_LENGTH, name="application_settlement_length"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} – {self.round}"

    @property
    def due(self) -> datetime.date | None:
        return self.extended_due or self.decision_due


# The decisions that give money: an award (the register, the limits per 12 months, erasure).
AWARDED = (Application.Status.APPROVED, Application.Status.PARTLY)
# An award whose file is closed: the "earlier awards settled" rule is met by these.
CLOSED_GRANTS = (Application.Grant.SETTLED, Application.Grant.RECLAIMED)


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


# --- Funding rounds II: committee review, payments, accountability (issue #21) --------------

COMMENT_MAX_LENGTH = 5_000


class Criterion(models.Model):
    """What a committee scores an application on in one round."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("round")
    )
    name = models.CharField(_("criterion"), max_length=150)
    description = models.TextField(_("explanation"), blank=True, max_length=1_000)
    max_score = models.PositiveSmallIntegerField(
        _("highest score"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="criterion_unique_name"),
            models.CheckConstraint(
                condition=Q(max_score__gte=1) & Q(max_score__lte=10), name="criterion_max_score"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=10), name="criterion_weight"
            ),
            text_max_length("description", 1_000, name="criterion_description_length"),
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(models.Model):
    """A person who reviews one round's applications (often a resident); granted by the fund
    manager. Sees no personal fields of the applications; never named in public."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="committee", verbose_name=_("round")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="committee_grants",
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
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="committee_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.round}"


class Review(models.Model):
    """One committee member's review of one application: scores, a recommendation, or a
    declared conflict of interest (which hides the application from that member)."""

    class Recommendation(models.TextChoices):
        YES = "yes", _("yes")
        MAYBE = "maybe", _("maybe")
        NO = "no", _("no")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("application")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="funding_reviews",
        verbose_name=_("reviewer"),
    )
    conflict = models.BooleanField(_("conflict of interest"), default=False)
    conflict_reason = models.CharField(_("why"), max_length=300, blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=5, choices=Recommendation.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_one_per_reviewer"
            ),
            # A declared conflict gives no opinion; a review without one gives a recommendation.
            models.CheckConstraint(
                condition=(Q(conflict=True) & Q(recommendation=""))
                | (Q(conflict=False) & ~Q(recommendation="")),
                name="review_conflict_or_recommendation",
            ),
            text_max_length("comment", COMMENT_MAX_LENGTH, name="review_comment_length"),
        ]

    def __str__(self) -> str:
        return f"{self.application} – {self.reviewer}"


class Score(models.Model):
    """A review's score on one criterion (0 up to the criterion's highest score)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(10)])

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=10), name="score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class PaymentBatch(models.Model):
    """Payments the fund manager sends to the bank together: one SEPA credit transfer file
    (pain.001) and a CSV; marked paid when the bank has executed them."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="payment_batches", verbose_name=_("round")
    )
    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    execution_date = models.DateField(_("requested execution date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")

    def __str__(self) -> str:
        return self.message_id


class Payment(models.Model):
    """The money paid on an award: amount, date, payee and IBAN as sent to the bank (private;
    kept seven years, pseudonymised on erasure)."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="payment", verbose_name=_("award")
    )
    batch = models.ForeignKey(
        PaymentBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("batch"),
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(CENT)])
    payee_name = models.CharField(_("name of the account holder"), max_length=150)
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.application} – € {self.amount}"


STORY_MAX_LENGTH = 5_000


class Accountability(models.Model):
    """What the initiative did with an award (verantwoording), due some months after payment:
    hours and reach pre-filled from its monthly reports, what was spent, receipts (private),
    and an optional story shown on its public profile."""

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="accountability",
        verbose_name=_("award"),
    )
    done = models.TextField(_("what was done"), max_length=STORY_MAX_LENGTH)
    spent = models.DecimalField(_("spent"), **MONEY, validators=[MinValueValidator(0)])
    volunteer_hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=9,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    story = models.TextField(
        _("story for the profile"),
        blank=True,
        max_length=STORY_MAX_LENGTH,
        help_text=_("Optional: shown on your public profile beside the award."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accountability")
        verbose_name_plural = _("accountabilities")
        constraints = [
            models.CheckConstraint(condition=Q(spent__gte=0), name="accountability_spent"),
            models.CheckConstraint(
                condition=Q(volunteer_hours__gte=0), name="accountability_hours"
            ),
            text_max_length("done", STORY_MAX_LENGTH, name="accountability_done_length"),
            text_max_length("story", STORY_MAX_LENGTH, name="accountability_story_length"),
        ]

    def __str__(self) -> str:
        return str(self.application)


def receipts_storage() -> Storage:
    """Receipts may carry names and addresses: kept under PRIVATE_MEDIA_ROOT, served by a view
    that checks who asks."""
    return storages["private"]


class Receipt(models.Model):
    """A receipt (bon, factuur) of an accountability; a private file."""

    accountability = models.ForeignKey(
        Accountability, on_delete=models.CASCADE, related_name="receipts"
    )
    file = models.FileField(
        _("file"), upload_to="funding/receipts/%Y/%m/", storage=receipts_storage
    )
    description = models.CharField(_("what for"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(CENT)])
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount")]

    def __str__(self) -> str:
        return self.description
