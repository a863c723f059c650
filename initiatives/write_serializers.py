"""Input and output shapes of the API's writes. They validate and shape; the services write.

Inputs are strict: a field the operation does not know is refused, so a typo never passes
silently as "nothing changed".
"""

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from initiatives.models import (
    DESCRIPTION_MAX_LENGTH,
    HOURS_IN_A_MONTH,
    MAX_MONTHLY_PEOPLE,
    NEED_DESCRIPTION_MAX_LENGTH,
    ActivityReport,
    Initiative,
    Need,
    Theme,
)
from initiatives.services import validate_activity, validate_goal_selection
from places.models import District, Municipality, Neighbourhood
from places.validators import cbs_code_hint, is_cbs_code, normalize_postcode

MONTH_FORMAT = "%Y-%m"
MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$"


FIRST_YEAR = 1800  # as for the founding year: nothing earlier is a real report


def parse_month(value: object) -> datetime.date | None:
    """The first day of a month written `YYYY-MM` (from 1800 on); None for anything else."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
        return None
    try:
        month = datetime.datetime.strptime(value, MONTH_FORMAT).date()
    except ValueError:
        return None
    return month if month.year >= FIRST_YEAR else None


def format_month(value: datetime.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, one message per unknown field."""

    def to_internal_value(self, data: object) -> dict:
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {
                str(key): _("Unknown field: %(field)s.") % {"field": key}
                for key in data
                if key not in self.fields or self.fields[key].read_only
            }
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = {**unknown, **exc.detail} if isinstance(exc.detail, dict) else exc.detail
            raise serializers.ValidationError(detail) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return values


def django_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    """A model or service ValidationError as the API's field errors."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


# --- Initiatives -----------------------------------------------------------------------------


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


class CodeField(serializers.PrimaryKeyRelatedField):
    """A place of one level (`kind`: GM, WK, BU) by its CBS code, active places only."""

    default_error_messages = {
        "does_not_exist": _("Unknown or inactive CBS code: {pk_value}."),
        "incorrect_type": _("Give a CBS code as text, e.g. GM0363."),
        "malformed": _("Not a valid CBS code: {hint}."),
    }

    def __init__(self, *, kind: str, **kwargs: object) -> None:
        self.kind = kind
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> object:
        if not isinstance(data, str):
            self.fail("incorrect_type")
        # The shared rule, checked before the lookup (a NUL byte or a lone surrogate never
        # reaches the database); the message does not quote the value, which may be unprintable.
        if not is_cbs_code(data, self.kind):
            self.fail("malformed", hint=cbs_code_hint(self.kind))
        return super().to_internal_value(data)


class ThemeField(serializers.SlugRelatedField):
    """An active theme by its slug."""

    default_error_messages = {"does_not_exist": _("Unknown theme: {value}.")}

    def to_internal_value(self, data: object) -> object:
        if not isinstance(data, str) or not SLUG.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class InitiativeInput(StrictSerializer):
    """The profile fields an owner writes; the same fields as the web form."""

    # Fields of the service's `fields` argument; the rest are relations set separately.
    PLAIN_FIELDS = (
        "name",
        "summary",
        "description",
        "kind",
        "municipality",
        "district",
        "neighbourhood",
        "website",
        "public_email",
        "founded_year",
        "legal_form",
        "contact_name",
        "contact_email",
        "contact_phone",
        "postcode",
        "consent_share_contact",
        "consent_open_data",
    )

    name = serializers.CharField(max_length=150)
    summary = serializers.CharField(max_length=300)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    kind = serializers.ChoiceField(choices=Initiative.Kind.choices)
    municipality = CodeField(
        kind="GM", queryset=Municipality.objects.active(), help_text="CBS code, e.g. GM0363."
    )
    district = CodeField(
        kind="WK",
        queryset=District.objects.active(),
        required=False,
        allow_null=True,
        help_text="CBS code of the wijk (in the municipality), e.g. WK036301.",
    )
    neighbourhood = CodeField(
        kind="BU",
        queryset=Neighbourhood.objects.active(),
        required=False,
        allow_null=True,
        help_text="CBS code of the buurt (in the wijk), e.g. BU03630101.",
    )
    areas_served = CodeField(
        kind="WK",
        queryset=District.objects.active(),
        many=True,
        required=False,
        help_text="CBS codes of further wijken served, in the same municipality.",
    )
    themes = ThemeField(
        slug_field="slug",
        queryset=Theme.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text="Theme slugs.",
    )
    sdgs = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=17),
        max_length=5,
        required=False,
        help_text="SDG numbers 1–17, the primary goal first, at most five; needed to submit.",
    )
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)
    public_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    founded_year = serializers.IntegerField(required=False, allow_null=True)
    legal_form = serializers.ChoiceField(choices=Initiative.LegalForm.choices, required=False)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    contact_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    postcode = serializers.CharField(
        required=False, allow_blank=True, max_length=7, help_text="Private, e.g. 1011 AB."
    )
    consent_share_contact = serializers.BooleanField(required=False)
    consent_open_data = serializers.BooleanField(required=False)

    def validate_founded_year(self, year: int | None) -> int | None:
        if year is not None and not 1800 <= year <= timezone.localdate().year:
            raise serializers.ValidationError(_("Give a year between 1800 and this year."))
        return year

    def validate_postcode(self, value: str) -> str:
        return normalize_postcode(value) if value else ""

    def _current(self, attrs: dict, name: str) -> object:
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name, None) if self.instance is not None else None

    def validate(self, attrs: dict) -> dict:
        errors: dict[str, str] = {}
        municipality = self._current(attrs, "municipality")
        district = self._current(attrs, "district")
        neighbourhood = self._current(attrs, "neighbourhood")
        if district is not None and district.municipality_id != municipality.pk:
            errors["district"] = _("This wijk is not in the chosen municipality.")
        if neighbourhood is not None and neighbourhood.district_id != getattr(district, "pk", None):
            errors["neighbourhood"] = _("This buurt is not in the chosen wijk.")
        served = attrs.get("areas_served")
        if served and any(area.municipality_id != municipality.pk for area in served):
            errors["areas_served"] = _("Choose wijken in the initiative's municipality.")
        if "sdgs" in attrs:
            try:
                validate_goal_selection(attrs["sdgs"])
            except DjangoValidationError as exc:
                errors["sdgs"] = exc.message_dict["goals"][0]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def service_arguments(self) -> dict:
        """What initiative_create/initiative_update take, from the validated data."""
        data = self.validated_data
        arguments: dict = {"fields": {n: data[n] for n in self.PLAIN_FIELDS if n in data}}
        for name in ("themes", "areas_served"):
            if name in data:
                arguments[name] = data[name]
        if "sdgs" in data:
            arguments["goals"] = data["sdgs"]
        return arguments


class InitiativeWriteOutput(serializers.ModelSerializer):
    """The initiative as its owner sees it after a write, private fields included."""

    municipality = serializers.CharField(source="municipality_id")
    district = serializers.CharField(source="district_id", allow_null=True)
    neighbourhood = serializers.CharField(source="neighbourhood_id", allow_null=True)
    areas_served = serializers.SerializerMethodField()
    themes = serializers.SerializerMethodField()
    sdgs = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = [
            "slug",
            "status",
            "return_reason",
            *InitiativeInput.PLAIN_FIELDS,
            "areas_served",
            "themes",
            "sdgs",
            "created_at",
            "updated_at",
        ]

    def get_areas_served(self, obj: Initiative) -> list[str]:
        return sorted(obj.areas_served.values_list("code", flat=True))

    def get_themes(self, obj: Initiative) -> list[str]:
        return sorted(obj.themes.values_list("slug", flat=True))

    def get_sdgs(self, obj: Initiative) -> list[int]:
        return list(obj.goal_links.order_by("position").values_list("goal_id", flat=True))


# --- Needs -----------------------------------------------------------------------------------


class NeedInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=Need.Kind.choices)
    title = serializers.CharField(max_length=150, help_text="What is needed.")
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=NEED_DESCRIPTION_MAX_LENGTH
    )
    amount = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="E.g. “€ 500”, “3 people”."
    )
    until = serializers.DateField(required=False, allow_null=True, help_text="ISO 8601 date.")

    def validate_until(self, until: datetime.date | None) -> datetime.date | None:
        if until and until < timezone.localdate():
            raise serializers.ValidationError(_("This date has already passed."))
        return until


class NeedCloseInput(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[Need.Status.FULFILLED, Need.Status.WITHDRAWN],
        help_text="How the need was closed.",
    )


class NeedOutput(serializers.ModelSerializer):
    class Meta:
        model = Need
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "amount",
            "until",
            "status",
            "created_at",
            "closed_at",
        ]


# --- Monthly activity ------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-10"})
class MonthField(serializers.Field):
    """A calendar month as `YYYY-MM`."""

    default_error_messages = {"invalid": _("Give the month as YYYY-MM, for example 2026-10.")}

    def to_internal_value(self, data: object) -> datetime.date:
        month = parse_month(data)
        if month is None:
            self.fail("invalid")
        return month

    def to_representation(self, value: datetime.date) -> str:
        return format_month(value)


class ActivityFigures(StrictSerializer):
    """A month's figures; the same limits as the web form and the database."""

    volunteer_hours = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        min_value=Decimal(0),
        coerce_to_string=True,
        help_text=f"At most {HOURS_IN_A_MONTH} hours per active volunteer.",
    )
    active_volunteers = serializers.IntegerField(min_value=0, max_value=MAX_MONTHLY_PEOPLE)
    people_reached = serializers.IntegerField(min_value=0, max_value=MAX_MONTHLY_PEOPLE)

    def month_of(self, attrs: dict) -> datetime.date:
        return self.context["month"]

    def validate(self, attrs: dict) -> dict:
        try:
            validate_activity(
                month=self.month_of(attrs),
                founded_year=self.context["initiative"].founded_year,
                **attrs_figures(attrs),
            )
        except DjangoValidationError as exc:
            raise django_errors(exc) from exc
        return attrs


def attrs_figures(attrs: dict) -> dict:
    return {
        name: attrs[name] for name in ("volunteer_hours", "active_volunteers", "people_reached")
    }


class ActivityReportInput(ActivityFigures):
    """A month's report with its month: a new month, or a correction of a reported one."""

    month = MonthField(
        help_text="YYYY-MM; from January of the founding year (2000 at the earliest) to now."
    )

    def month_of(self, attrs: dict) -> datetime.date:
        return attrs["month"]


class ActivityRevisionOutput(serializers.Serializer):
    revision = serializers.IntegerField()
    volunteer_hours = serializers.DecimalField(max_digits=9, decimal_places=1)
    active_volunteers = serializers.IntegerField()
    people_reached = serializers.IntegerField()
    reported_at = serializers.DateTimeField()
    replaced_at = serializers.DateTimeField()


class ActivityReportOutput(serializers.ModelSerializer):
    month = MonthField()
    history = ActivityRevisionOutput(many=True, read_only=True)

    class Meta:
        model = ActivityReport
        fields = [
            "month",
            "volunteer_hours",
            "active_volunteers",
            "people_reached",
            "revision",
            "created_at",
            "updated_at",
            "history",
        ]
