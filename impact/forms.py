from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm
from impact.models import Indicator


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.name} ({obj.unit_nl})"


class IndicatorQuantityForm(AccessibleForm):
    prefix = "indicator"
    indicator = IndicatorChoiceField(
        queryset=Indicator.objects.filter(is_universal=False), label=_("Indicator")
    )
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("For example 2026-10."),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal(0), max_digits=14, decimal_places=2
    )
