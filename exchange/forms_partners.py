"""Forms of the partner's pages and of partner moderation. They validate and shape; the
services (exchange/services_partners.py) write and check the rules that span fields."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, AccessibleModelForm
from exchange.models import REASON_MAX_LENGTH, Category, Offer, Partner
from exchange.services_partners import OFFER_FIELDS, PARTNER_FIELDS
from places.models import Municipality

PLACES_HELP = _(
    "Hold Ctrl (Cmd on a Mac) to choose several; leave empty when you tick the whole country."
)


def _municipalities() -> QuerySet[Municipality]:
    return Municipality.objects.active().order_by("name")


class PartnerForm(AccessibleModelForm):
    """Registration and the profile: what, where, and how to reach the organisation's site."""

    categories = forms.MultipleChoiceField(
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("What you offer"),
    )
    # A web address typed without a scheme is taken as https.
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    municipalities = forms.ModelMultipleChoiceField(
        queryset=_municipalities(),
        required=False,
        label=_("Gemeenten where you give"),
        help_text=PLACES_HELP,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = Partner
        fields = [*PARTNER_FIELDS, "municipalities"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "kvk_number": _("Seen by LSA staff only, to check the organisation."),
        }

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = _municipalities()

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("is_national") and not data.get("municipalities"):
            self.add_error(
                "municipalities",
                _("Choose the gemeenten where you give, or tick “works in the whole country”."),
            )
        return data

    def service_arguments(self) -> dict:
        """What partner_register/partner_update take, from the cleaned data."""
        return {
            "fields": {name: self.cleaned_data[name] for name in PARTNER_FIELDS},
            "municipalities": list(self.cleaned_data["municipalities"]),
        }


class OfferForm(AccessibleModelForm):
    """An offer: what, how much, until when, and optionally only some of the partner's
    gemeenten."""

    municipalities = forms.ModelMultipleChoiceField(
        queryset=Municipality.objects.none(),
        required=False,
        label=_("Only in these gemeenten"),
        help_text=_("Leave empty for everywhere your organisation gives."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Offer
        fields = [*OFFER_FIELDS, "municipalities"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, partner: Partner, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # Where the partner gives: an offer narrows it, never widens it.
        places = _municipalities() if partner.is_national else partner.municipalities.all()
        self.fields["municipalities"].queryset = places.order_by("name")

    def clean_until(self) -> datetime.date | None:
        until = self.cleaned_data.get("until")
        if until and until < timezone.localdate():
            raise ValidationError(_("This date has already passed."))
        return until

    def service_arguments(self) -> dict:
        """What offer_create/offer_update take, from the cleaned data."""
        return {
            "fields": {name: self.cleaned_data[name] for name in OFFER_FIELDS},
            "municipalities": list(self.cleaned_data["municipalities"]),
        }


class StaffAddForm(AccessibleForm):
    email = forms.EmailField(
        label=_("E-mail address of your colleague's account"),
        help_text=_("Your colleague signs up on Buurtbeurs first, with this address."),
    )


class ReasonForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Reason (sent to the partner)"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
