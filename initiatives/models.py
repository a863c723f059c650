"""Resident initiatives, their owners, needs, offers of help and monthly activity.

Private fields (personal data in the sense of the AVG) are marked in PRIVATE_FIELDS; public
pages, the public API and open data never show them.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.constraints import text_max_length
from common.i18n import BilingualNameMixin, choice_label
from places.models import District, Municipality, Neighbourhood
from places.validators import validate_postcode
from sdgs.models import Goal

MAX_SDGS = 5
# Dutch stemming with accents folded (migration 0002), so "cooperatie" finds "coöperatie".
SEARCH_CONFIG = "dutch_unaccent"
MAX_MONTHLY_PEOPLE = 100_000
HOURS_IN_A_MONTH = 744  # 31 × 24: nobody volunteers more than every hour of the month.
# Free text limits (characters), in model, forms, serializers and the database (issue 14):
# about four pages for a profile; a few paragraphs for the rest. docs/api.md lists them.
DESCRIPTION_MAX_LENGTH = 10_000
NEED_DESCRIPTION_MAX_LENGTH = 2_000
HELP_MESSAGE_MAX_LENGTH = 4_000
REASON_MAX_LENGTH = 2_000


class Theme(BilingualNameMixin, models.Model):
    """A staff-managed theme (seeded from themes.csv), separate from the SDG axis."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_nl = models.CharField(_("Dutch name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name_nl"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class SearchWord(models.Model):
    """Every word of published initiatives' texts, lower case without accents.

    Filled by a database trigger (migration 0004) so no write path can forget it; the search
    uses it to correct a misspelt word ("moestuiin" → "moestuin") by trigram distance.
    """

    word = models.CharField(max_length=100, primary_key=True)

    class Meta:
        indexes = [GistIndex(fields=["word"], opclasses=["gist_trgm_ops"], name="search_word_trgm")]

    def __str__(self) -> str:
        return self.word


class InitiativeQuerySet(models.QuerySet):
    def published(self) -> "InitiativeQuerySet":
        return self.filter(status=Initiative.Status.PUBLISHED)

    def publicly_visible(self) -> "InitiativeQuerySet":
        """Published and archived profiles: archived ones stay reachable, marked."""
        return self.filter(status__in=[Initiative.Status.PUBLISHED, Initiative.Status.ARCHIVED])


class Initiative(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for moderation")
        PUBLISHED = "published", _("published")
        ARCHIVED = "archived", _("archived")

    class Kind(models.TextChoices):
        RESIDENTS_GROUP = "residents_group", _("residents' group")
        COMMUNITY_CENTRE = "community_centre", _("community centre run by residents")
        RESIDENTS_ENTERPRISE = "residents_enterprise", _("BewonersBedrijf (residents' enterprise)")
        NEIGHBOURHOOD_COOPERATIVE = "neighbourhood_coop", _("neighbourhood cooperative")
        CARE_INITIATIVE = "care", _("care initiative")
        ENERGY_COOPERATIVE = "energy_coop", _("energy cooperative")
        COMMUNITY_GARDEN = "garden", _("community garden")
        VILLAGE_COOPERATIVE = "village_coop", _("village cooperative")
        OTHER = "other", _("other")

    class Stage(models.TextChoices):
        """Where an initiative stands; funds read it (issue #20, e.g. MAEX Impuls asks for the
        doorgroeifase)."""

        START = "start", _("starting (startfase)")
        GROWING = "growing", _("growing (groeifase)")
        SCALING = "scaling", _("growing further (doorgroeifase)")
        STABLE = "stable", _("stable")

    class LegalForm(models.TextChoices):
        NONE = "none", _("no legal form (informal group)")
        ASSOCIATION = "association", _("association (vereniging)")
        FOUNDATION = "foundation", _("foundation (stichting)")
        COOPERATIVE = "cooperative", _("cooperative (coöperatie)")
        OTHER = "other", _("other")

    # Public profile
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("web address"), max_length=160, unique=True, editable=False)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    themes = models.ManyToManyField(
        Theme, related_name="initiatives", blank=True, verbose_name=_("themes")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="initiatives",
        verbose_name=_("municipality"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="initiatives",
        null=True,
        blank=True,
        verbose_name=_("district (wijk)"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        related_name="initiatives",
        null=True,
        blank=True,
        verbose_name=_("neighbourhood (buurt)"),
    )
    areas_served = models.ManyToManyField(
        District,
        related_name="initiatives_serving",
        blank=True,
        verbose_name=_("other districts served"),
    )
    website = models.URLField(_("website"), blank=True)
    public_email = models.EmailField(
        _("public e-mail address"),
        blank=True,
        help_text=_("An address of the initiative itself (not a person's), shown on the profile."),
    )
    founded_year = models.PositiveSmallIntegerField(_("founded in"), null=True, blank=True)
    legal_form = models.CharField(
        _("legal form"), max_length=16, choices=LegalForm.choices, default=LegalForm.NONE
    )
    stage = models.CharField(
        _("stage"),
        max_length=8,
        choices=Stage.choices,
        blank=True,
        help_text=_("Where your initiative stands now; some funds ask for it."),
    )
    # Private: personal data, shown only to owners, staff and (with consent) officers.
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[validate_postcode]
    )
    # Consents
    consent_share_contact = models.BooleanField(
        _("share contact details with the municipality"), default=False
    )
    consent_open_data = models.BooleanField(
        _("publish the public fields as open data (CC BY 4.0)"), default=False
    )
    report_reminders = models.BooleanField(_("monthly report reminder"), default=True)
    # Workflow
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    return_reason = models.TextField(
        _("reason for returning"), blank=True, max_length=REASON_MAX_LENGTH
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Ownership",
        related_name="initiatives",
        verbose_name=_("owners"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Full-text search, kept by PostgreSQL itself: name weighs most, then summary, description.
    search_vector = models.GeneratedField(
        expression=SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = InitiativeQuerySet.as_manager()

    PRIVATE_FIELDS = ("contact_name", "contact_email", "contact_phone", "postcode")

    class Meta:
        ordering = ["name"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        # Held by the group "LSA-medewerkers" (migration 0005); see initiatives.permissions.
        permissions = [
            ("moderate_initiative", _("Can moderate initiatives and see their contact details")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "published", "archived"]),
                name="initiative_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True)
                | Q(founded_year__gte=1800, founded_year__lte=2100),
                name="initiative_founded_year_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="initiative_published_has_date",
            ),
            text_max_length(
                "description", DESCRIPTION_MAX_LENGTH, name="initiative_description_length"
            ),
            text_max_length(
                "return_reason", REASON_MAX_LENGTH, name="initiative_return_reason_length"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "municipality"]),
            # The area pages count a gemeente's or province's published initiatives per wijk
            # or gemeente, and join their open needs, from this index alone (no table reads).
            models.Index(
                fields=["municipality", "status"],
                include=["district", "id"],
                name="initiative_area_covering",
            ),
            models.Index(fields=["status", "district"], name="initiative_status_district"),
            models.Index(fields=["status", "neighbourhood"], name="initiative_status_buurt"),
            models.Index(fields=["status", "kind"], name="initiative_status_kind"),
            models.Index(fields=["status", "-published_at", "-id"], name="initiative_newest"),
            models.Index(fields=["status", "name", "id"], name="initiative_by_name"),
            GinIndex(fields=["search_vector"], name="initiative_search_vector"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("initiative_detail", args=[self.slug])

    # Django leaves these alone when the class defines them; the generated ones re-translate
    # every label on each call (common.i18n.choice_label), once per card on the lists.
    def get_kind_display(self) -> object:
        return choice_label(self.Kind, self.kind)

    def get_status_display(self) -> object:
        return choice_label(self.Status, self.status)

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.ARCHIVED)


class Ownership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("initiator")
        CO_OWNER = "co_owner", _("co-owner")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="ownerships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ownerships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OWNER)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "user"], name="ownership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.initiative}"


class OwnerInvitation(models.Model):
    """An e-mailed invitation to become co-owner; accepted by the user with that address."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-owner invitation")
        verbose_name_plural = _("co-owner invitations")
        constraints = [
            models.UniqueConstraint(
                "initiative",
                Lower("email"),
                condition=Q(accepted_at__isnull=True),
                name="invitation_open_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.initiative}"


class InitiativeGoal(models.Model):
    """The initiative's SDG selection: position 1 is the primary goal, at most five in all."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="goal_links")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["position"]
        verbose_name = _("SDG of an initiative")
        verbose_name_plural = _("SDGs of initiatives")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "goal"], name="initiative_goal_unique"),
            models.UniqueConstraint(
                fields=["initiative", "position"], name="initiative_goal_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_SDGS),
                name="initiative_goal_at_most_five",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}: SDG {self.goal_id} ({self.position})"

    @property
    def is_primary(self) -> bool:
        return self.position == 1


class InitiativePhoto(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="photos")
    large = models.ImageField(
        _("photo"), upload_to="initiatives/", width_field="width", height_field="height"
    )
    thumb = models.ImageField(_("thumbnail"), upload_to="initiatives/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(
        _("description for screen readers"),
        max_length=200,
        help_text=_("What is in the photo, in one sentence."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.alt_text


class InitiativeEvent(models.Model):
    """The moderation and ownership history: who did what, when, and why."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        SUBMITTED = "submitted", _("submitted")
        PUBLISHED = "published", _("published")
        RETURNED = "returned", _("returned to the owners")
        EDITED = "edited", _("edited")
        UNPUBLISHED = "unpublished", _("unpublished")
        ARCHIVED = "archived", _("archived")
        OWNER_ADDED = "owner_added", _("co-owner added")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True, max_length=REASON_MAX_LENGTH)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        constraints = [
            text_max_length("reason", REASON_MAX_LENGTH, name="initiative_event_reason_length"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.action} {self.created_at:%Y-%m-%d}"


class Need(models.Model):
    """A need (vraag) an initiative posts: money, volunteers, materials, knowledge or space."""

    class Kind(models.TextChoices):
        MONEY = "money", _("money")
        VOLUNTEERS = "volunteers", _("volunteers")
        MATERIALS = "materials", _("materials")
        KNOWLEDGE = "knowledge", _("knowledge")
        SPACE = "space", _("space")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        FULFILLED = "fulfilled", _("fulfilled")
        WITHDRAWN = "withdrawn", _("withdrawn")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("kind of need"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("what is needed"), max_length=150)
    description = models.TextField(
        _("more about it"), blank=True, max_length=NEED_DESCRIPTION_MAX_LENGTH
    )
    amount = models.CharField(
        _("how much"), max_length=100, blank=True, help_text=_("For example “€ 500” or “3 people”.")
    )
    until = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="need_closed_has_date",
            ),
            text_max_length(
                "description", NEED_DESCRIPTION_MAX_LENGTH, name="need_description_length"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status"]),
            models.Index(
                fields=["initiative", "kind"],
                condition=Q(status="open"),
                name="need_open_by_initiative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_kind_display(self) -> object:
        return choice_label(self.Kind, self.kind)


class HelpOffer(models.Model):
    """A visitor's offer of help on a need. Personal data: never public."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="offers")
    name = models.CharField(_("your name"), max_length=150)
    email = models.EmailField(_("your e-mail address"))
    message = models.TextField(_("your message"), max_length=HELP_MESSAGE_MAX_LENGTH)
    consent = models.BooleanField(_("the initiative may receive my e-mail address to answer me"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("offer of help")
        verbose_name_plural = _("offers of help")
        constraints = [
            models.CheckConstraint(condition=Q(consent=True), name="help_offer_has_consent"),
            text_max_length("message", HELP_MESSAGE_MAX_LENGTH, name="help_offer_message_length"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.need}"


class ActivityReport(models.Model):
    """Volunteer hours, active volunteers and people reached of one initiative in one month."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="activity_reports"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    volunteer_hours = models.DecimalField(_("volunteer hours"), max_digits=9, decimal_places=1)
    active_volunteers = models.PositiveIntegerField(_("active volunteers"))
    people_reached = models.PositiveIntegerField(_("people reached"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("activity report")
        verbose_name_plural = _("activity reports")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "month"], name="activity_one_report_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="activity_month_first_day"),
            models.CheckConstraint(
                condition=Q(volunteer_hours__gte=0), name="activity_hours_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(volunteer_hours__lte=F("active_volunteers") * HOURS_IN_A_MONTH),
                name="activity_hours_fit_in_month",
            ),
            models.CheckConstraint(
                condition=Q(active_volunteers__lte=MAX_MONTHLY_PEOPLE)
                & Q(people_reached__lte=MAX_MONTHLY_PEOPLE),
                name="activity_people_at_most_100000",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} {self.month:%Y-%m}"


class ActivityReportRevision(models.Model):
    """The values a correction replaced: the history of a month's report."""

    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="history")
    revision = models.PositiveIntegerField()
    volunteer_hours = models.DecimalField(max_digits=9, decimal_places=1)
    active_volunteers = models.PositiveIntegerField()
    people_reached = models.PositiveIntegerField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reported_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-revision"]
        constraints = [
            models.UniqueConstraint(fields=["report", "revision"], name="activity_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.revision}"


class ReportReminder(models.Model):
    """One reminder mail sent to an initiative's owners about one unreported month."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="report_reminders_sent"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the unreported month."))
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "month"], name="report_reminder_once"),
            models.CheckConstraint(
                condition=Q(month__day=1), name="report_reminder_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.month:%Y-%m}"
