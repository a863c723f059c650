"""The API's shapes of the monthly report with its indicator quantities, the questions a month
asks, and the activities an initiative declares.

The month's figures keep the shapes of initiatives/write_serializers.py (their limits live
there, with the web form's); the classes here add what impact owns, under the same names, so
the schema's component names (`ActivityReportInput`, `ActivityFigures`, `ActivityReportOutput`)
stay what clients generated code against.
"""

import datetime
import re
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from impact.methods import current_version
from impact.models import IndicatorQuantity, MethodIndicator
from impact.reporting import QUANTITY_MAX, PlausibilityWarning
from initiatives import write_serializers as base
from initiatives.models import Initiative

CODE = re.compile(r"[-a-zA-Z0-9_]{1,50}")  # an indicator's or activity's code (a SlugField)
MAX_QUANTITIES = 100  # far more than any month asks; bounds the work one request can cause
MAX_ACTIVITIES = 100


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


# --- Input -------------------------------------------------------------------------------------


class QuantitiesField(serializers.DictField):
    """{indicator code: quantity or null}: null removes the month's figure, a code left out
    stays as it was. Errors are per code."""

    default_error_messages = {
        "code": _("Unknown indicator."),
        "too_many": _("Give at most {count} quantities."),
    }

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            child=serializers.DecimalField(
                max_digits=14,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=QUANTITY_MAX,
                allow_null=True,
                coerce_to_string=True,
            ),
            **kwargs,
        )

    def to_internal_value(self, data: object) -> dict[str, Decimal | None]:
        values = super().to_internal_value(data)
        if len(values) > MAX_QUANTITIES:
            self.fail("too_many", count=MAX_QUANTITIES)
        # Checked before any lookup: a lone surrogate or a NUL byte never reaches the database.
        if bad := [code for code in values if not CODE.fullmatch(code)]:
            raise serializers.ValidationError({code: [self.error_messages["code"]] for code in bad})
        return values


class MonthQuantitiesMixin:
    """Adds `quantities` to a month's input; its errors are keyed `quantities.<code>`, beside
    the figures' own fields (an indicator code may equal a figure's name: volunteer_hours)."""

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["quantities"] = QuantitiesField(
            required=False,
            help_text="Indicator code → quantity this month (a decimal string, at most two "
            "decimals), or null to remove it. Codes left out stay as they are. See "
            "`activity/questions/` for the codes this initiative is asked.",
        )
        return fields

    def to_internal_value(self, data: object) -> dict:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(quantity_keys(exc.detail)) from exc


def quantity_keys(detail: object) -> object:
    """Nested quantity errors ({"quantities": {code: …}}) as `quantities.<code>` keys."""
    if not isinstance(detail, dict) or not isinstance(detail.get("quantities"), dict):
        return detail
    flat = {key: value for key, value in detail.items() if key != "quantities"}
    for code, errors in detail["quantities"].items():
        flat[f"quantities.{code}"] = errors
    return flat


class ActivityFigures(MonthQuantitiesMixin, base.ActivityFigures):
    """A month's figures and, optionally, its indicator quantities (PUT of one month)."""


class ActivityReportInput(MonthQuantitiesMixin, base.ActivityReportInput):
    """A month with its figures and, optionally, its indicator quantities (POST)."""


class InitiativeActivitiesInput(base.StrictSerializer):
    activities = serializers.ListField(
        child=serializers.RegexField(
            CODE.pattern,
            max_length=50,
            error_messages={"invalid": _("Give activity codes such as repair_cafe.")},
        ),
        max_length=MAX_ACTIVITIES,
        allow_empty=True,
        help_text="Activity codes, as in the method version's `activities` "
        "(/api/v1/impact/methods/<code>/). The list replaces the declared activities; an "
        "empty list declares none.",
    )


# --- Output ------------------------------------------------------------------------------------


class QuantityOutput(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = serializers.CharField(help_text="In the language of the request.")
    held_for_review = serializers.BooleanField(
        help_text="Above the plausible maximum and not reviewed yet: it counts in the "
        "handprint once LSA staff accept it (R11)."
    )
    review = serializers.ChoiceField(
        choices=IndicatorQuantity.Review.choices,
        help_text="LSA staff's review of a figure above the plausible maximum; empty: none.",
    )


def quantities_by_month(
    initiative: Initiative, months: list[datetime.date]
) -> dict[datetime.date, dict[str, dict]]:
    """The months' quantities as the API shows them, in two queries whatever the number of
    months: the version valid today, then the rows with their plausible maximum."""
    if not months:
        return {}
    version = current_version()
    limit = MethodIndicator.objects.filter(
        version=version, indicator_id=OuterRef("indicator_id")
    ).values("plausibility_max")[:1]
    rows = (
        IndicatorQuantity.objects.filter(initiative_id=initiative.pk, month__in=months)
        .annotate(plausibility_max=Subquery(limit))
        .select_related("indicator")
        .order_by("month", "indicator__code")
    )
    english = _english()
    shown: dict[datetime.date, dict[str, dict]] = {}
    for row in rows:
        maximum = row.plausibility_max if version is not None else None
        shown.setdefault(row.month, {})[row.indicator.code] = {
            "quantity": row.quantity,
            "unit": row.indicator.unit_en if english else row.indicator.unit_nl,
            "held_for_review": row.review == IndicatorQuantity.Review.NONE
            and maximum is not None
            and row.quantity > maximum,
            "review": row.review,
        }
    return shown


class ActivityReportOutput(base.ActivityReportOutput):
    """A month's report with its correction history and its indicator quantities."""

    quantities = serializers.SerializerMethodField(
        help_text="The month's indicator quantities by indicator code."
    )

    class Meta(base.ActivityReportOutput.Meta):
        fields = [*base.ActivityReportOutput.Meta.fields, "quantities"]

    @extend_schema_field(serializers.DictField(child=QuantityOutput()))
    def get_quantities(self, report: object) -> dict:
        # The view puts the page's quantities in the context (quantities_by_month): one query.
        rows = self.context["quantities"].get(report.month, {})
        return {code: QuantityOutput(row).data for code, row in rows.items()}


class PlausibilityWarningOutput(serializers.Serializer):
    code = serializers.CharField(help_text="The indicator.")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    plausibility_max = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="The plausible maximum per month."
    )
    message = serializers.CharField(help_text="For the user, in the language of the request.")


class ActivityReportWriteOutput(ActivityReportOutput):
    """The saved month, with a warning per quantity above its plausible maximum."""

    warnings = serializers.SerializerMethodField(
        help_text="Quantities above their plausible maximum (R11): saved, and held until LSA "
        "staff accept them. Empty when every figure is plausible or already accepted."
    )

    class Meta(ActivityReportOutput.Meta):
        fields = [*ActivityReportOutput.Meta.fields, "warnings"]

    @extend_schema_field(PlausibilityWarningOutput(many=True))
    def get_warnings(self, report: object) -> list:
        warnings: list[PlausibilityWarning] = self.context.get("warnings", [])
        return PlausibilityWarningOutput(warnings, many=True).data


class QuestionOutput(serializers.Serializer):
    code = serializers.CharField(help_text="The indicator code, the key in `quantities`.")
    question = serializers.CharField(help_text="The question to ask, in the request's language.")
    name = serializers.CharField(help_text="The indicator's short name.")
    unit = serializers.CharField()
    help = serializers.CharField(allow_blank=True, help_text="What the figure stands for.")
    plausibility_max = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        allow_null=True,
        help_text="A higher figure is saved but held for review (R11); null: no maximum.",
    )
    deducts_hours = serializers.BooleanField(
        help_text="Hours per activity (R9): together at most the month's volunteer hours."
    )
    activities = serializers.ListField(
        child=serializers.CharField(),
        help_text="The declared activities that ask it (names); empty for a figure the month "
        "already has whose activity is no longer declared.",
    )


class QuestionsOutput(serializers.Serializer):
    method_version = serializers.CharField(
        allow_null=True, help_text="The method version valid today; null: none yet."
    )
    month = base.MonthField(
        allow_null=True, help_text="The `month` asked for; null when none was given."
    )
    questions = QuestionOutput(many=True)


class ActivityRefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the language of the request.")


class InitiativeActivitiesOutput(serializers.Serializer):
    activities = ActivityRefOutput(many=True, help_text="By name.")
