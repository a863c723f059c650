"""LSA's member organisations: who they are, their contact persons, memberships and dues.

Every model keeps a full history (django-simple-history): who changed what, when. Contact
persons are personal data: never public, exportable and erasable on request (AVG), and an
erasure also redacts their rows in the history (see `members.services`).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.constraints import text_max_length
from initiatives.models import Initiative
from places.models import District, Municipality
from places.validators import validate_postcode

KVK_NUMBER = RegexValidator(r"^\d{8}$", _("A KvK number has exactly 8 digits."))
FIRST_DUES_YEAR = 1990
# Free text limits (characters), in model, forms and the database (issue 14; docs/members.md).
STORY_MAX_LENGTH = 5_000
REASON_MAX_LENGTH = 2_000


class MemberOrganisation(models.Model):
    class Type(models.TextChoices):
        RESIDENTS_GROUP = "residents_group", _("residents' group (bewonersgroep)")
        COMMUNITY_CENTRE = "community_centre", _("independent community centre (buurthuis)")
        NEIGHBOURHOOD_COOPERATIVE = "neighbourhood_coop", _("neighbourhood cooperative")
        NEIGHBOURHOOD_ENTERPRISE = (
            "neighbourhood_enterprise",
            _("collective neighbourhood enterprise (wijkonderneming)"),
        )
        RESIDENTS_ENTERPRISE = "residents_enterprise", _("BewonersBedrijf")
        VILLAGE_COOPERATIVE = "village_coop", _("village cooperative (dorpscoöperatie)")
        NEIGHBOURHOOD_COUNCIL = "neighbourhood_council", _("neighbourhood council (wijkraad)")
        OTHER = "other", _("other")

    # Public: the directory shows these.
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("web address"), max_length=160, unique=True)
    type = models.CharField(_("type"), max_length=24, choices=Type.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="member_organisations",
        verbose_name=_("municipality"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="member_organisations",
        null=True,
        blank=True,
        verbose_name=_("district (wijk)"),
    )
    street_address = models.CharField(_("visiting address"), max_length=150, blank=True)
    postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[validate_postcode]
    )
    city = models.CharField(_("place"), max_length=100, blank=True)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[KVK_NUMBER]
    )
    website = models.URLField(_("website"), blank=True)
    story = models.TextField(
        _("story"),
        blank=True,
        max_length=STORY_MAX_LENGTH,
        help_text=_("A few sentences for the public member directory."),
    )
    photo = models.ImageField(_("photo"), upload_to="members/", blank=True)
    photo_alt = models.CharField(_("description of the photo"), max_length=200, blank=True)
    initiatives = models.ManyToManyField(
        Initiative,
        related_name="member_organisations",
        blank=True,
        verbose_name=_("linked initiatives"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[initiatives])

    PUBLIC_FIELDS = ("name", "slug", "type", "municipality", "district", "city", "website", "story")

    class Meta:
        ordering = ["name"]
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number"],
                condition=~Q(kvk_number=""),
                name="member_kvk_unique",
                violation_error_message=_("Another member organisation has this KvK number."),
            ),
            models.CheckConstraint(
                condition=Q(kvk_number="") | Q(kvk_number__regex=r"^\d{8}$"),
                name="member_kvk_eight_digits",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="member_name_not_empty"),
            text_max_length("story", STORY_MAX_LENGTH, name="member_story_length"),
        ]
        indexes = [models.Index(fields=["type", "municipality"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("member_detail", args=[self.slug])

    def clean(self) -> None:
        # Run by the admin form and by every service (full_clean): a wijk of another gemeente
        # would put the organisation in two places.
        if (
            self.district_id is not None
            and self.municipality_id is not None
            and self.district.municipality_id != self.municipality_id
        ):
            raise ValidationError(
                {"district": _("This wijk is not in the chosen municipality.")}, code="district"
            )


class ContactPerson(models.Model):
    """A person at a member organisation. Personal data: only LSA staff see it."""

    organisation = models.ForeignKey(
        MemberOrganisation,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("member organisation"),
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_primary=True),
                name="contact_one_primary",
                violation_error_message=_("An organisation has one primary contact."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Membership(models.Model):
    """One period of membership; a member that rejoins gets a new one, the old one stays."""

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("prospect")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        ENDED = "ended", _("ended")

    CURRENT = (Status.PROSPECT, Status.ACTIVE, Status.SUSPENDED)

    organisation = models.ForeignKey(
        MemberOrganisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("member organisation"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROSPECT
    )
    applied_on = models.DateField(_("applied on"))
    started_on = models.DateField(_("member since"), null=True, blank=True)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    reason = models.TextField(
        _("reason"),
        blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Why it was suspended or ended."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-applied_on", "-pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status__in=["prospect", "active", "suspended"]),
                name="membership_one_current",
                violation_error_message=_(
                    "This organisation already has a current membership; end it first."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["prospect", "active", "suspended", "ended"]),
                name="membership_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="prospect") | Q(status="ended") | Q(started_on__isnull=False),
                name="membership_member_has_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | (Q(ended_on__isnull=False) & ~Q(reason="")),
                name="membership_ended_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended") | Q(suspended_on__isnull=False),
                name="membership_suspended_has_date",
            ),
            text_max_length("reason", REASON_MAX_LENGTH, name="membership_reason_length"),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=F("applied_on")),
                name="membership_starts_after_application",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("applied_on")),
                name="membership_ends_after_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_status_display()}"


class Dues(models.Model):
    """The contribution of one member organisation for one year."""

    organisation = models.ForeignKey(
        MemberOrganisation,
        on_delete=models.CASCADE,
        related_name="dues",
        verbose_name=_("member organisation"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_DUES_YEAR)]
    )
    amount = models.DecimalField(
        _("amount (euro)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    invoiced_on = models.DateField(_("invoiced on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_on = models.DateField(_("last reminder on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "organisation__name"]
        verbose_name = _("dues")
        verbose_name_plural = _("dues")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                name="dues_once_per_year",
                violation_error_message=_("This organisation already has dues for that year."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="dues_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_DUES_YEAR, year__lte=2100), name="dues_year_range"
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(invoiced_on__isnull=False),
                name="dues_paid_after_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    @property
    def is_outstanding(self) -> bool:
        return self.invoiced_on is not None and self.paid_on is None


class ContactErasure(models.Model):
    """That a contact person's data was erased (AVG), by whom and when; not the data itself."""

    organisation = models.ForeignKey(
        MemberOrganisation,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("member organisation"),
    )
    contact_id = models.PositiveBigIntegerField(_("contact person number"))
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    erased_at = models.DateTimeField(_("erased at"), auto_now_add=True)
    history_rows_redacted = models.PositiveIntegerField(_("history rows redacted"), default=0)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure of a contact person")
        verbose_name_plural = _("erasures of contact persons")

    def __str__(self) -> str:
        return f"#{self.contact_id} {self.erased_at:%Y-%m-%d}"


class MemberImportJob(models.Model):
    """One upload of member organisations, its dry run and its apply (`members.imports`).

    A row, not a cache entry: a job survives a cache clear or a restart while it runs. Jobs are
    shown for a day to whoever started them; then the hourly purge marks them expired and
    empties their report (it names contact persons).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("waiting for the dry run")
        CHECKING = "checking", _("dry run running")
        CHECKED = "checked", _("dry run done")
        APPLY_QUEUED = "apply_queued", _("waiting for the apply")
        APPLYING = "applying", _("applying")
        APPLIED = "applied", _("applied")
        REFUSED = "refused", _("refused at the apply, nothing saved")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    # A worker has the job, or will have it.
    RUNNING = (Status.UPLOADED, Status.CHECKING, Status.APPLY_QUEUED, Status.APPLYING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("started by"),
    )
    filename = models.CharField(_("file name"), max_length=200)
    path = models.CharField(
        _("stored file"),
        max_length=255,
        help_text=_("In the private storage; deleted once the import cannot be applied."),
    )
    extension = models.CharField(_("file type"), max_length=4)
    language = models.CharField(_("language"), max_length=16)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    done = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows"), default=0)
    report = models.JSONField(_("dry run report"), null=True, blank=True, encoder=DjangoJSONEncoder)
    apply_report = models.JSONField(
        _("apply report"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Saved with every change of status, not with the progress: how long a run has been quiet.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "uploaded",
                        "checking",
                        "checked",
                        "apply_queued",
                        "applying",
                        "applied",
                        "refused",
                        "failed",
                        "expired",
                    ]
                ),
                name="member_import_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
