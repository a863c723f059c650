from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, MonthField
from impact.models import Indicator


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.name} ({obj.unit_nl})"


class IndicatorQuantityForm(AccessibleForm):
    prefix = "indicator"
    indicator = IndicatorChoiceField(
        queryset=Indicator.objects.filter(is_universal=False), label=_("Indicator")
    )
    month = MonthField()
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal(0), max_digits=14, decimal_places=2
    )
