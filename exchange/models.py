"""The exchange (beurs): partners who offer, and matches followed to delivery with their value.

A *partner* is an organisation that gives — a company, fund, housing corporation, welfare
organisation or municipal service — with its own staff accounts (the partner-staff role, never
`is_staff`), public once LSA staff approved it. Its *offers* are public beside the needs.

A *match* links an initiative's need with a partner's offer (or the partner itself) or with a
visitor's offer of help, and follows it: proposed → agreed (both sides) → delivered (both sides
confirm what was delivered) → closed; or declined before agreement, or lapsed (no agreement, or
no delivery confirmation, in time). Its value is kept in DESIGN §4's ledgers: a partner's
employee-hours enter the initiative's handprint once, as their own indicator (impact); materials
and money are *contributions received*, shown beside it and never added to it.
Issue #22 ("The exchange"); docs/exchange.md.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from common.constraints import text_max_length
from common.i18n import choice_label
from initiatives.models import SEARCH_CONFIG, HelpOffer, Need
from places.models import Municipality

DESCRIPTION_MAX_LENGTH = 5_000
MESSAGE_MAX_LENGTH = 4_000
REASON_MAX_LENGTH = 2_000
MONEY = {"max_digits": 10, "decimal_places": 2}
ZERO = Decimal(0)


class Category(models.TextChoices):
    """What a partner offers; the Beursvloer's three categories and two more."""

    HANDS = "hands", _("helping hands")
    KNOWLEDGE = "knowledge", _("knowledge and skills")
    MATERIALS = "materials", _("materials")
    MONEY = "money", _("money")
    SPACE = "space", _("space")


# The need kinds each category answers (Need.Kind: money, volunteers, materials, knowledge, space).
NEED_KIND_OF = {
    Category.HANDS: Need.Kind.VOLUNTEERS,
    Category.KNOWLEDGE: Need.Kind.KNOWLEDGE,
    Category.MATERIALS: Need.Kind.MATERIALS,
    Category.MONEY: Need.Kind.MONEY,
    Category.SPACE: Need.Kind.SPACE,
}
CATEGORY_OF = {kind: category for category, kind in NEED_KIND_OF.items()}


class Partner(models.Model):
    """An organisation that gives; public once approved by LSA staff (moderation)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("company")
        FUND = "fund", _("fund")
        HOUSING = "housing", _("housing corporation")
        WELFARE = "welfare", _("welfare organisation")
        MUNICIPAL = "municipal", _("municipal service")
        OTHER = "other", _("other organisation")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", pgettext_lazy("partner status", "approved")
        REJECTED = "rejected", _("not approved")
        SUSPENDED = "suspended", _("suspended")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("web address"), max_length=160, unique=True, editable=False)
    kind = models.CharField(_("kind of organisation"), max_length=12, choices=Kind.choices)
    summary = models.CharField(_("what you offer, in one sentence"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    categories = ArrayField(
        models.CharField(max_length=12, choices=Category.choices),
        verbose_name=_("what you offer"),
        default=list,
        blank=True,
    )
    website = models.URLField(_("website"), blank=True)
    kvk_number = models.CharField(
        _("KvK number"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^\d{8}$", _("A KvK number has eight digits."))],
    )
    # Where it gives: its gemeenten, or everywhere (a national fund or company).
    is_national = models.BooleanField(_("works in the whole country"), default=False)
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="partners", verbose_name=_("gemeenten")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_reason = models.TextField(
        _("reason"), blank=True, max_length=REASON_MAX_LENGTH, help_text=_("Sent to the partner.")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PartnerStaff",
        through_fields=("partner", "user"),
        related_name="partners",
        verbose_name=_("partner staff"),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        # Held by the group "LSA-medewerkers" (migration 0002).
        permissions = [("moderate_partner", _("Can approve, refuse and suspend partners"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="partner_approved_has_date",
            ),
            text_max_length(
                "description", DESCRIPTION_MAX_LENGTH, name="partner_description_length"
            ),
            text_max_length("status_reason", REASON_MAX_LENGTH, name="partner_reason_length"),
        ]
        indexes = [models.Index(fields=["status", "name"], name="partner_status_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("exchange_partner", args=[self.slug])

    def get_kind_display(self) -> object:
        return choice_label(self.Kind, self.kind)

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED


class PartnerStaff(models.Model):
    """A person who keeps a partner's profile and offers and answers its matches.

    Never staff by this grant. Sees an initiative's contact details only in a match both sides
    agreed to, and only what its owners chose to share there.
    """

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="staff_grants", verbose_name=_("partner")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_grants",
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
        verbose_name = _("partner staff member")
        verbose_name_plural = _("partner staff")
        constraints = [
            models.UniqueConstraint(fields=["partner", "user"], name="partner_staff_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.partner}"


class Offer(models.Model):
    """What a partner offers, where; public while its partner is approved and it is open."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="offers", verbose_name=_("partner")
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    title = models.CharField(_("what you offer"), max_length=150)
    description = models.TextField(
        _("more about it"), blank=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    amount = models.CharField(
        _("how much"),
        max_length=100,
        blank=True,
        help_text=_("For example “20 hours a year” or “a van for a day”."),
    )
    # Empty: wherever the partner gives (its gemeenten, or everywhere).
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="offers", verbose_name=_("only in these gemeenten")
    )
    until = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="offer_closed_has_date",
            ),
            text_max_length("description", DESCRIPTION_MAX_LENGTH, name="offer_description_length"),
        ]
        indexes = [
            models.Index(fields=["status", "category", "-created_at"], name="offer_open_category"),
            GinIndex(fields=["search_vector"], name="offer_search_vector"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_category_display(self) -> object:
        return choice_label(Category, self.category)


class Side(models.TextChoices):
    """The two sides of a match: the initiative that needs, and who gives."""

    INITIATIVE = "initiative", _("initiative")
    PARTNER = "partner", _("partner")
    HELPER = "helper", _("helper")  # a visitor who offered help on the need (no account)


class Match(models.Model):
    """A need met by a partner (or its offer) or by a visitor's help offer, followed to delivery.

    The giving side is a partner (`partner` set) or a visitor (`help_offer`, reached by the
    secret link in their mails; `help_offer` becomes empty when the visitor's data is erased,
    the match and its figures stay).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        AGREED = "agreed", _("agreed")
        DELIVERED = "delivered", _("delivered")
        CLOSED = "closed", _("closed")
        DECLINED = "declined", _("declined")
        LAPSED = "lapsed", _("lapsed")

    class Lapse(models.TextChoices):
        NO_AGREEMENT = "no_agreement", _("no agreement in time")
        NO_DELIVERY = "no_delivery", _("no delivery confirmed in time")
        NOT_DELIVERED = "not_delivered", _("did not happen")

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="matches", verbose_name=_("need")
    )
    giver = models.CharField(
        _("given by"),
        max_length=10,
        choices=[(Side.PARTNER, Side.PARTNER.label), (Side.HELPER, Side.HELPER.label)],
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("partner"),
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("offer"),
    )
    help_offer = models.ForeignKey(
        HelpOffer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("offer of help"),
    )
    # The visitor's way in (mailed to them); empty for partner matches.
    helper_token = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    proposed_by = models.CharField(_("proposed by"), max_length=10, choices=Side.choices)
    proposed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by (person)"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    # Agreement: each side's yes (the proposer's with the proposal), and the day delivery is due.
    initiative_agreed_at = models.DateTimeField(_("initiative agreed at"), null=True, blank=True)
    giver_agreed_at = models.DateTimeField(_("giver agreed at"), null=True, blank=True)
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    agreed_for = models.DateField(
        _("to be delivered by"),
        null=True,
        blank=True,
        help_text=_("The day you agreed the help will have been given."),
    )
    # What was delivered, as one side reported it and the other confirmed it.
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    hours = models.DecimalField(
        _("hours given"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    materials = models.CharField(_("materials given"), max_length=300, blank=True)
    materials_value = models.DecimalField(
        _("stated value of the materials (€)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        **MONEY,
    )
    money = models.DecimalField(
        _("money given (€)"), null=True, blank=True, validators=[MinValueValidator(ZERO)], **MONEY
    )
    delivery_reported_by = models.CharField(
        _("delivery reported by"), max_length=10, choices=Side.choices, blank=True
    )
    delivery_reported_at = models.DateTimeField(_("delivery reported at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivery confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    fulfils_need = models.BooleanField(
        _("the need was fulfilled through this match"), default=False
    )
    declined_by = models.CharField(
        _("declined by"), max_length=10, choices=Side.choices, blank=True
    )
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    lapse = models.CharField(_("why it lapsed"), max_length=14, choices=Lapse.choices, blank=True)
    lapsed_at = models.DateTimeField(_("lapsed at"), null=True, blank=True)
    # Timers (exchange/timers.py), each claimed once by a conditional UPDATE.
    contact_asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivery_asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Each side's choice to show its contact address to the other (never before agreement).
    initiative_shares_contact = models.BooleanField(
        _("show our contact details to the other side"), default=False
    )
    giver_shares_contact = models.BooleanField(
        _("show my contact details to the initiative"), default=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["helper_token"])

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.CheckConstraint(
                condition=Q(giver="partner", partner__isnull=False, help_offer__isnull=True)
                | Q(giver="helper", partner__isnull=True, offer__isnull=True),
                name="match_giver_is_partner_or_helper",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["proposed", "agreed", "delivered", "closed", "declined", "lapsed"]
                ),
                name="match_status_valid",
            ),
            # Agreed and every later state has both yeses and the date; delivered and closed
            # have the confirmed delivery; declined and lapsed say when (and why).
            models.CheckConstraint(
                condition=~Q(status__in=["agreed", "delivered", "closed"])
                | Q(
                    agreed_at__isnull=False,
                    agreed_for__isnull=False,
                    initiative_agreed_at__isnull=False,
                    giver_agreed_at__isnull=False,
                ),
                name="match_agreed_has_both_sides",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["delivered", "closed"])
                | Q(delivered_at__isnull=False, delivered_on__isnull=False),
                name="match_delivered_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="match_closed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | Q(declined_at__isnull=False) & ~Q(declined_by=""),
                name="match_declined_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="lapsed") | Q(lapsed_at__isnull=False) & ~Q(lapse=""),
                name="match_lapsed_has_reason",
            ),
            models.CheckConstraint(
                condition=(Q(hours__isnull=True) | Q(hours__gte=0))
                & (Q(materials_value__isnull=True) | Q(materials_value__gte=0))
                & (Q(money__isnull=True) | Q(money__gte=0)),
                name="match_delivery_not_negative",
            ),
            # One live match per need and giver: asking twice is answering the first.
            models.UniqueConstraint(
                fields=["need", "partner"],
                condition=Q(status__in=["proposed", "agreed"]),
                name="match_one_live_per_partner",
            ),
            models.UniqueConstraint(
                fields=["need", "help_offer"],
                condition=Q(status__in=["proposed", "agreed"]),
                name="match_one_live_per_help_offer",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "proposed_at"], name="match_status_proposed"),
            models.Index(fields=["status", "agreed_for"], name="match_status_agreed_for"),
            models.Index(fields=["partner", "status"], name="match_partner_status"),
            models.Index(fields=["need", "status"], name="match_need_status"),
        ]

    def __str__(self) -> str:
        return f"{self.need} ← {self.partner or _('helper')}"

    def get_absolute_url(self) -> str:
        return reverse("exchange_match", args=[self.pk])

    def get_status_display(self) -> object:
        return choice_label(self.Status, self.status)

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.PROPOSED, self.Status.AGREED)

    @property
    def counts_as_delivered(self) -> bool:
        return self.status in (self.Status.DELIVERED, self.Status.CLOSED)


class MatchMessage(models.Model):
    """A message between the sides of a match; each is also mailed to the other side."""

    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="messages", verbose_name=_("match")
    )
    side = models.CharField(_("from"), max_length=10, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            text_max_length("body", MESSAGE_MAX_LENGTH, name="match_message_body_length"),
        ]

    def __str__(self) -> str:
        return f"{self.match_id} {self.side} {self.created_at:%Y-%m-%d}"
