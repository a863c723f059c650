"""The forms of the accountability (applicants) and of the settlement and reclaim (the fund
manager); funding.accountability checks everything again."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, AccessibleModelForm
from funding.accountability import ReceiptUpload, receipt_kind
from funding.models import DECISION_MAX_LENGTH, Accountability, Receipt

# Receipt rows per post: more are added by saving and coming back (no JavaScript needed).
RECEIPT_ROWS = 3


class AccountabilityForm(AccessibleModelForm):
    class Meta:
        model = Accountability
        fields = ["done", "spent", "volunteer_hours", "people_reached", "story"]
        widgets = {
            "done": forms.Textarea(attrs={"rows": 6}),
            "story": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "done": _("For the fund: what happened, and what came of it."),
            "spent": _("What the award was spent on in total, in euros."),
            "volunteer_hours": _("Filled in from your monthly reports since the payment."),
            "people_reached": _(
                "Filled in with your best month since the payment: mostly the same people "
                "come back, so the months are not added up."
            ),
            "story": _(
                "Optional: shown on your public profile beside the award. Never the receipts "
                "or the amounts."
            ),
        }

    def __init__(self, *args: object, receipts: list[Receipt] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remove"] = forms.TypedMultipleChoiceField(
            label=_("Remove these receipts"),
            choices=[(receipt.pk, str(receipt)) for receipt in receipts],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        if not receipts:
            del self.fields["remove"]

    def fields_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReceiptForm(AccessibleForm):
    file = forms.FileField(
        label=_("Receipt (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("Private: only you and the fund's managers can open it. At most 10 MB."),
    )
    description = forms.CharField(
        label=_("What for"), max_length=Receipt._meta.get_field("description").max_length,
        required=False,
    )  # fmt: skip
    amount = forms.DecimalField(
        label=_("Amount (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                receipt_kind(upload)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from error
        return upload

    def clean(self) -> dict:
        data = super().clean()
        given = [bool(data.get(name)) for name in ("file", "description", "amount")]
        if any(given) and not all(given) and not self.errors:
            raise forms.ValidationError(
                _("Give the file, what it was for and its amount, or none of them.")
            )
        return data

    def upload(self) -> ReceiptUpload | None:
        if not self.cleaned_data.get("file"):
            return None
        return ReceiptUpload(
            file=self.cleaned_data["file"],
            description=self.cleaned_data["description"],
            amount=self.cleaned_data["amount"],
        )


ReceiptFormSet = forms.formset_factory(
    ReceiptForm,
    extra=0,
    min_num=RECEIPT_ROWS,
    max_num=RECEIPT_ROWS,
    # A forged TOTAL_FORMS never makes the server build more rows than the page has.
    absolute_max=RECEIPT_ROWS,
    validate_max=True,
)


def uploads_of(formset: forms.BaseFormSet) -> list[ReceiptUpload]:
    """The filled-in receipt rows of a valid formset."""
    return [upload for form in formset.forms if (upload := form.upload()) is not None]


class SettleForm(AccessibleForm):
    amount = forms.DecimalField(
        label=_("Settled at (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        help_text=_("At most the award. Below what was paid, reclaim the difference next."),
    )
    text = forms.CharField(
        label=_("The settlement, as the applicants read it"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DECISION_MAX_LENGTH,
    )


class ReclaimForm(AccessibleForm):
    amount = forms.DecimalField(
        label=_("Amount to reclaim (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("The award is then settled at what was awarded minus this amount."),
    )
    reason = forms.CharField(
        label=_("Why, as the applicants read it"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DECISION_MAX_LENGTH,
    )
