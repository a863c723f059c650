"""The Social Handprint: indicator catalogue, method versions, inputs, stored results.

A published method version is immutable (enforced by a database trigger too): a change is a
new version, and every stored figure names the version and inputs version it came from.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.constraints import text_max_length
from common.i18n import BilingualNameMixin
from initiatives.models import Initiative
from sdgs.models import Goal

MONEY = {"max_digits": 14, "decimal_places": 2}
# Free text limits (characters), in model, admin forms and the database (issue 14).
CHANGES_MAX_LENGTH = 10_000
VALUE_SOURCE_MAX_LENGTH = 2_000


class Indicator(BilingualNameMixin, models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_nl = models.CharField(_("Dutch name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)
    unit_nl = models.CharField(_("unit (Dutch)"), max_length=40)
    unit_en = models.CharField(_("unit (English)"), max_length=40)
    is_universal = models.BooleanField(
        _("universal"), default=False, help_text=_("Reported monthly by every initiative.")
    )

    class Meta:
        ordering = ["-is_universal", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class Activity(BilingualNameMixin, models.Model):
    """Something initiatives do, in residents' words; a version says what it reports."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_nl = models.CharField(_("Dutch name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)
    description_nl = models.TextField(_("Dutch description"), blank=True, max_length=1000)
    description_en = models.TextField(_("English description"), blank=True, max_length=1000)

    class Meta:
        ordering = ["code"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            text_max_length("description_nl", 1000, name="activity_description_nl_length"),
            text_max_length("description_en", 1000, name="activity_description_en_length"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        return self.description_en if _english() else self.description_nl


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


class InitiativeActivity(models.Model):
    """An activity an initiative declares it does: its handprint's activity mix."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="activities")
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="+", verbose_name=_("activity")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["initiative", "activity__code"]
        verbose_name = _("activity of an initiative")
        verbose_name_plural = _("activities of initiatives")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "activity"], name="initiative_activity_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.activity_id}"


class MethodVersion(models.Model):
    code = models.CharField(_("version"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    valid_from = models.DateField(_("valid from"), unique=True)
    published_at = models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("Once published, a version can no longer change: make a new version."),
    )
    changes = models.TextField(_("what changed"), blank=True, max_length=CHANGES_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    # Four eyes: one staff member asks for publication, a second one approves and publishes.
    # The accounts stay (PROTECT): the audit trail names who published a version, and the
    # database refuses any change to a published version's row anyway.
    publication_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publication requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    publication_requested_at = models.DateTimeField(
        _("publication requested at"), null=True, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("method version")
        verbose_name_plural = _("method versions")
        constraints = [
            text_max_length("changes", CHANGES_MAX_LENGTH, name="method_version_changes_length"),
            # Four eyes in the database too: an approval needs a request by someone else.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (
                    Q(publication_requested_by__isnull=False)
                    & ~Q(approved_by=F("publication_requested_by"))
                ),
                name="method_version_approved_by_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class MethodIndicator(models.Model):
    """An indicator as a method version values it, with the source of every number."""

    class Split(models.TextChoices):
        OWN = "own", _("the initiative's own SDG selection")
        MIX = "mix", _("the initiative's activity mix (its own SDG selection without one)")
        FIXED = "fixed", _("a fixed split over SDGs or SDG targets")

    class Kind(models.TextChoices):
        INPUT = "input", _("input: volunteer time at replacement value")
        REPLACEMENT = "replacement", _("replacement value")
        WMO_TARIFF = "wmo_tariff", _("replacement value at a Wmo tariff")
        AVOIDED_COST = "avoided_cost", _("avoided public cost")
        ENVIRONMENTAL = "environmental", _("environmental price")
        HOUSEHOLD = "household", _("value to the household")
        SOCIAL_BENEFIT = "social_benefit", _("social benefit (cost-benefit analysis)")
        COUNTED = "counted", _("counted, not valued")

    class Aggregation(models.TextChoices):
        SUM = "sum", _("flow: summed over the months")
        STOCK = "stock", _("stock: unit-years, the monthly figures summed and divided by 12")
        NEW_UNITS = "new_units", _("new units: each unit counted once, in its month")
        AVERAGE = "average", _("average over the months reported (people reached)")

    class PriceRule(models.TextChoices):
        DIRECT = "direct", _("the unit values entered here")
        ONE = "one", _("one source's values")
        SOURCES = "sources", _("several sources: minimum, median (ours), maximum")

    version = models.ForeignKey(
        MethodVersion, on_delete=models.PROTECT, related_name="entries", verbose_name=_("version")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    unit_value_low = models.DecimalField(_("unit value low (€)"), null=True, blank=True, **MONEY)
    unit_value_central = models.DecimalField(
        _("unit value central (€)"), null=True, blank=True, **MONEY
    )
    unit_value_high = models.DecimalField(_("unit value high (€)"), null=True, blank=True, **MONEY)
    value_source = models.TextField(
        _("source of the unit values"), blank=True, max_length=VALUE_SOURCE_MAX_LENGTH
    )
    deadweight = models.DecimalField(_("deadweight"), max_digits=5, decimal_places=4, default=0)
    attribution = models.DecimalField(_("attribution"), max_digits=5, decimal_places=4, default=1)
    split = models.CharField(_("split over SDGs"), max_length=5, choices=Split.choices)
    fixed_split = models.JSONField(
        _("fixed split"),
        default=dict,
        blank=True,
        help_text=_(
            'SDG number or SDG target → share, summing to 1, e.g. {"2.1": "0.5", "3": "0.5"}.'
        ),
    )
    kind = models.CharField(
        _("kind of value"), max_length=14, choices=Kind.choices, default=Kind.COUNTED
    )
    effect_nl = models.CharField(_("effect valued (Dutch)"), max_length=300, blank=True)
    effect_en = models.CharField(_("effect valued (English)"), max_length=300, blank=True)
    aggregation = models.CharField(
        _("aggregation"), max_length=9, choices=Aggregation.choices, default=Aggregation.SUM
    )
    price_rule = models.CharField(
        _("price rule"), max_length=7, choices=PriceRule.choices, default=PriceRule.DIRECT
    )
    price_codes = models.JSONField(
        _("prices"), default=list, blank=True, help_text=_("Codes of this version's prices.")
    )
    conversion_codes = models.JSONField(
        _("conversions"),
        default=list,
        blank=True,
        help_text=_("Codes of this version's conversion factors, multiplied in this order."),
    )
    plausibility_max = models.DecimalField(
        _("plausible maximum per month"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A monthly quantity above it waits for staff review before it counts."),
    )
    overlap_group = models.SlugField(
        _("overlap group"),
        max_length=50,
        blank=True,
        help_text=_("Indicators valuing the same effect: only the first reported one counts."),
    )
    overlap_priority = models.PositiveSmallIntegerField(_("overlap priority"), default=0)
    deducts_hours = models.BooleanField(
        _("takes its hours out of the volunteer-hour line"),
        default=False,
        help_text=_("Its quantity is volunteer hours whose output is valued elsewhere (R9)."),
    )
    question_nl = models.CharField(_("question (Dutch)"), max_length=300, blank=True)
    question_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    not_valued_nl = models.CharField(_("why not valued (Dutch)"), max_length=500, blank=True)
    not_valued_en = models.CharField(_("why not valued (English)"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "position", "indicator__code"]
        verbose_name = _("indicator of a method version")
        verbose_name_plural = _("indicators of method versions")
        constraints = [
            models.UniqueConstraint(fields=["version", "indicator"], name="method_indicator_once"),
            text_max_length(
                "value_source", VALUE_SOURCE_MAX_LENGTH, name="method_indicator_source_length"
            ),
            models.CheckConstraint(
                condition=Q(deadweight__gte=0, deadweight__lte=1)
                & Q(attribution__gte=0, attribution__lte=1),
                name="method_indicator_factors_0_1",
            ),
            models.CheckConstraint(
                condition=Q(unit_value_central__isnull=True)
                | (
                    Q(unit_value_low__lte=F("unit_value_central"))
                    & Q(unit_value_central__lte=F("unit_value_high"))
                ),
                name="method_indicator_low_central_high",
            ),
            models.CheckConstraint(
                condition=Q(unit_value_central__isnull=True) | ~Q(value_source=""),
                name="method_indicator_priced_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version.code}: {self.indicator.code}"


class SourcedValue(models.Model):
    """A number read in a named source, as given and as the version uses it."""

    version = models.ForeignKey(MethodVersion, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=60)
    name_nl = models.CharField(_("Dutch name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=80)
    given_low = models.DecimalField(_("low (as given)"), max_digits=16, decimal_places=6, null=True)
    given_central = models.DecimalField(
        _("central (as given)"), max_digits=16, decimal_places=6, null=True
    )
    given_high = models.DecimalField(
        _("high (as given)"), max_digits=16, decimal_places=6, null=True
    )
    low = models.DecimalField(_("low (used)"), max_digits=16, decimal_places=6, null=True)
    central = models.DecimalField(_("central (used)"), max_digits=16, decimal_places=6, null=True)
    high = models.DecimalField(_("high (used)"), max_digits=16, decimal_places=6, null=True)
    derivation_nl = models.CharField(_("how used (Dutch)"), max_length=500, blank=True)
    derivation_en = models.CharField(_("how used (English)"), max_length=500, blank=True)
    year = models.CharField(_("price or reference year"), max_length=20, blank=True)
    source_title = models.CharField(_("source title"), max_length=300)
    source_publisher = models.CharField(_("publisher"), max_length=300)
    source_year = models.CharField(_("source year"), max_length=10, blank=True)
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    secondary = models.BooleanField(
        _("secondary reading"), default=False, help_text=_("Read where another text quotes it.")
    )
    unused_nl = models.CharField(_("why not used (Dutch)"), max_length=500, blank=True)
    unused_en = models.CharField(_("why not used (English)"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["version", "position", "code"]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.code}"

    @property
    def is_used(self) -> bool:
        return not self.unused_nl


def _sourced_constraints(prefix: str) -> list:
    used = Q(low__isnull=False, central__isnull=False, high__isnull=False)
    return [
        models.UniqueConstraint(fields=["version", "code"], name=f"{prefix}_once"),
        # A value either is used (all three levels, low ≤ central ≤ high) or says why not.
        models.CheckConstraint(
            condition=(used & Q(low__lte=F("central")) & Q(central__lte=F("high")))
            | ~Q(unused_nl=""),
            name=f"{prefix}_used_or_reason",
        ),
        models.CheckConstraint(condition=~Q(source_title=""), name=f"{prefix}_has_source"),
        text_max_length("note", 2000, name=f"{prefix}_note_length"),
    ]


class MethodPrice(SourcedValue):
    """A euro value per unit (proxies.csv and values found since), in one version."""

    class Meta(SourcedValue.Meta):
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = _sourced_constraints("method_price")


class MethodConversion(SourcedValue):
    """A physical factor (kg CO2 per kWh, kg per repair, …) that bridges units, in one version."""

    class Meta(SourcedValue.Meta):
        verbose_name = _("conversion factor")
        verbose_name_plural = _("conversion factors")
        constraints = _sourced_constraints("method_conversion")


class MethodActivity(models.Model):
    """An activity as a version sees it: what it reports and where its hours and reach go."""

    version = models.ForeignKey(MethodVersion, on_delete=models.PROTECT, related_name="activities")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="+")
    indicator_codes = models.JSONField(_("indicators"), default=list, blank=True)
    target_split = models.JSONField(
        _("split over SDG targets"),
        default=dict,
        help_text=_('SDG target → share, summing to 1, e.g. {"3.4": "0.5", "10.2": "0.5"}.'),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "position", "activity__code"]
        verbose_name = _("activity of a method version")
        verbose_name_plural = _("activities of method versions")
        constraints = [
            models.UniqueConstraint(fields=["version", "activity"], name="method_activity_once"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.activity_id}"


class MethodRule(models.Model):
    """An accounting rule of a version (R1 …), as shown on the method page."""

    version = models.ForeignKey(MethodVersion, on_delete=models.PROTECT, related_name="rules")
    code = models.CharField(_("code"), max_length=10)
    title_nl = models.CharField(_("Dutch title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    text_nl = models.TextField(_("Dutch text"), max_length=3000)
    text_en = models.TextField(_("English text"), max_length=3000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "position", "code"]
        verbose_name = _("accounting rule")
        verbose_name_plural = _("accounting rules")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="method_rule_once"),
            text_max_length("text_nl", 3000, name="method_rule_text_nl_length"),
            text_max_length("text_en", 3000, name="method_rule_text_en_length"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.code}"


class IndicatorQuantity(models.Model):
    """A monthly quantity of an optional indicator (meals served, kg waste collected, …)."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="indicator_quantities"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Review(models.TextChoices):
        NONE = "", _("not reviewed")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    # R11: above the version's plausible maximum a quantity counts only once accepted.
    review = models.CharField(
        _("review"), max_length=8, choices=Review.choices, default=Review.NONE, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("indicator quantity")
        verbose_name_plural = _("indicator quantities")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "indicator", "month"], name="indicator_quantity_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="indicator_quantity_month"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="indicator_quantity_not_negative"
            ),
        ]
        # The months an initiative reported quantities in, in order: the set-wise recompute
        # merges them with its activity reports (initiative, month) without sorting.
        indexes = [models.Index(fields=["initiative", "month"], name="indicator_quantity_months")]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.indicator_id} {self.month:%Y-%m}"


class HandprintState(models.Model):
    """The durable stale mark: inputs_version > computed_version means a recompute is owed."""

    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, primary_key=True, related_name="handprint_state"
    )
    inputs_version = models.BigIntegerField(_("inputs version"), default=0)
    computed_version = models.BigIntegerField(_("computed version"), default=0)
    stale_since = models.DateTimeField(_("stale since"), null=True, blank=True, db_index=True)
    last_input_at = models.DateTimeField(_("last input at"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    computations = models.PositiveIntegerField(_("computations"), default=0)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handprint state")
        verbose_name_plural = _("handprint states")

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.computed_version}/{self.inputs_version}"


class HandprintResult(models.Model):
    """An initiative's handprint for one method version and one period."""

    class PeriodKind(models.TextChoices):
        ROLLING = "rolling12", _("last 12 months")
        YEAR = "year", _("calendar year")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="handprint_results"
    )
    version = models.ForeignKey(
        MethodVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("method version")
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    inputs_version = models.BigIntegerField(_("inputs version"))
    computed_at = models.DateTimeField(_("computed at"))
    months_reported = models.PositiveSmallIntegerField(_("months reported"))
    months_with_activities = models.PositiveSmallIntegerField(
        _("months reported with activities"), default=0
    )
    volunteer_hours = models.DecimalField(_("volunteer hours"), max_digits=14, decimal_places=1)
    volunteers_avg = models.PositiveIntegerField()
    volunteers_max = models.PositiveIntegerField()
    people_avg = models.PositiveIntegerField()
    people_max = models.PositiveIntegerField()
    value_low = models.DecimalField(**MONEY)
    value_central = models.DecimalField(_("value (central)"), **MONEY)
    value_high = models.DecimalField(**MONEY)
    lines = models.JSONField(default=list)
    # Subtotals per kind of value (R10): {"input": {"low": "…", "central": …, "high": …}, …}.
    by_kind = models.JSONField(default=dict)
    # Monthly quantities above the plausible maximum that wait for review (R11): not counted.
    held_for_review = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("handprint")
        verbose_name_plural = _("handprints")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "version", "period_kind", "period_start"],
                name="handprint_result_unique",
            ),
        ]
        indexes = [models.Index(fields=["version", "period_kind", "period_start"])]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.period_kind} {self.period_start}"


class HandprintSdg(models.Model):
    result = models.ForeignKey(HandprintResult, on_delete=models.CASCADE, related_name="sdgs")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")
    value_low = models.DecimalField(**MONEY)
    value_central = models.DecimalField(**MONEY)
    value_high = models.DecimalField(**MONEY)
    hours = models.DecimalField(max_digits=14, decimal_places=1)
    people = models.PositiveIntegerField()

    class Meta:
        ordering = ["goal"]
        constraints = [
            models.UniqueConstraint(fields=["result", "goal"], name="handprint_sdg_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.result_id} SDG {self.goal_id}"


# The database's own default too: a rebuild of the code before these columns (still running
# during a deploy) inserts rows without them.
EMPTY_JSON = models.Value({}, output_field=models.JSONField())


class AreaHandprint(models.Model):
    """The sum over an area's published initiatives (by primary location)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        MUNICIPALITY = "municipality", _("municipality")
        DISTRICT = "district", _("district (wijk)")
        NEIGHBOURHOOD = "neighbourhood", _("neighbourhood (buurt)")

    area_code = models.CharField(max_length=10)
    level = models.CharField(max_length=14, choices=Level.choices)
    version = models.ForeignKey(MethodVersion, on_delete=models.PROTECT, related_name="+")
    period_kind = models.CharField(max_length=10, choices=HandprintResult.PeriodKind.choices)
    period_start = models.DateField()
    initiatives = models.PositiveIntegerField()
    volunteer_hours = models.DecimalField(max_digits=16, decimal_places=1)
    volunteers = models.PositiveIntegerField()
    people = models.PositiveIntegerField()
    value_low = models.DecimalField(max_digits=16, decimal_places=2)
    value_central = models.DecimalField(max_digits=16, decimal_places=2)
    value_high = models.DecimalField(max_digits=16, decimal_places=2)
    sdgs = models.JSONField(default=dict)
    # What officers read per area (impact/areas.py says how each is summed); money as text.
    # {activity code: {"initiatives": n, "low": "…", "central": "…", "high": "…"}}; the code ""
    # holds the value of lines no declared activity lists (the volunteer hours, mostly).
    by_activity = models.JSONField(default=dict, db_default=EMPTY_JSON)
    # {kind of value (R10): {"low": "…", "central": "…", "high": "…"}}
    by_kind = models.JSONField(default=dict, db_default=EMPTY_JSON)
    # {split key: {"low", "central", "high"}}: "3.4" a target, "3" SDG 3 as a whole.
    by_target = models.JSONField(default=dict, db_default=EMPTY_JSON)
    months_reported = models.PositiveIntegerField(default=0, db_default=0)
    months_with_activities = models.PositiveIntegerField(default=0, db_default=0)
    initiatives_with_activities = models.PositiveIntegerField(default=0, db_default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "version", "period_kind", "period_start"],
                name="area_handprint_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.period_kind} {self.period_start}"


class RecomputeJob(models.Model):
    """A set-wise recompute: its progress survives a crash, and a rerun resumes it."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    version = models.ForeignKey(
        MethodVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("method version")
    )
    period_end = models.DateField(
        _("period end"), help_text=_("The end of the rolling window it computes.")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    total = models.PositiveIntegerField(_("initiatives"), default=0)
    done = models.PositiveIntegerField(_("processed"), default=0)
    last_initiative_id = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("recompute job")
        verbose_name_plural = _("recompute jobs")
        permissions = [("start_recomputejob", _("Can start a recompute of every handprint"))]

    def __str__(self) -> str:
        return f"{self.version_id} {self.period_end} {self.status} {self.done}/{self.total}"


class AreaState(models.Model):
    """One row: whether the area aggregates owe a refresh (the same durable-mark scheme)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    inputs_version = models.BigIntegerField(default=0)
    computed_version = models.BigIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="area_state_singleton")]

    def __str__(self) -> str:
        return f"areas {self.computed_version}/{self.inputs_version}"


class MethodChangeMail(models.Model):
    """The one mail an initiative's owners get when a method version becomes current."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="method_change_mails"
    )
    version = models.ForeignKey(
        MethodVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("method version")
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("method change mail")
        verbose_name_plural = _("method change mails")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "version"], name="method_change_mail_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.version_id}"
