"""The impact part of a person's data (AVG): the indicator quantities they entered. No
erasure: the quantities stay with their initiatives' handprint, without the user (SET_NULL)."""

from typing import Any

from accounts.models import User
from common.personal_data import PersonalDataPart, iso
from impact.models import IndicatorQuantity


def _indicator_quantities_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "initiative_id": quantity.initiative_id,
            "indicator": quantity.indicator.code,
            "month": iso(quantity.month),
            "quantity": str(quantity.quantity),
        }
        for quantity in IndicatorQuantity.objects.filter(reported_by=user)
        .select_related("indicator")
        .order_by("month", "pk")
    ]


INDICATOR_QUANTITIES = PersonalDataPart(
    key="indicator_quantities", app="impact", export=_indicator_quantities_export
)
