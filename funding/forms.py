"""The forms of funding applications and decisions (validated again by funding.services)."""

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, AccessibleModelForm
from funding.models import Application, compact_iban

BUDGET_LINES = 6


class ApplicationForm(AccessibleModelForm):
    class Meta:
        model = Application
        fields = [
            "purpose",
            "plan",
            "amount",
            "own_money",
            "own_hours",
            "own_materials",
            "supporters",
            "opponents",
            "payee",
            "payee_name",
            "iban",
        ]
        widgets = {"plan": forms.Textarea(attrs={"rows": 8}), "payee": forms.RadioSelect}
        help_texts = {
            "purpose": _("One line; public with an award."),
            "payee_name": _("Private: only you and the fund's managers see it."),
            "iban": _("Private: only you and the fund's managers see it."),
        }

    def clean_iban(self) -> str:
        # Written with spaces, in lower case: stored compact, as banks print it.
        return compact_iban(self.cleaned_data.get("iban", ""))


class BudgetLineForm(AccessibleForm):
    description = forms.CharField(label=_("What for"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )

    def clean(self) -> dict:
        data = super().clean()
        if bool(data.get("description")) != bool(data.get("amount")):
            raise forms.ValidationError(_("Give both what it is for and the amount, or neither."))
        return data


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm,
    extra=0,
    min_num=BUDGET_LINES,
    max_num=BUDGET_LINES,
    # A forged TOTAL_FORMS never makes the server build more rows than the page has.
    absolute_max=BUDGET_LINES,
    validate_max=True,
)


def budget_of(formset: forms.BaseFormSet) -> list[tuple[str, Decimal]]:
    """The filled-in lines of a valid formset."""
    return [
        (form.cleaned_data["description"], form.cleaned_data["amount"])
        for form in formset.forms
        if form.cleaned_data.get("description")
    ]


class DecisionForm(AccessibleForm):
    OUTCOMES = [
        (Application.Status.APPROVED, _("Approve the amount asked")),
        (Application.Status.PARTLY, _("Approve part of it")),
        (Application.Status.REJECTED, _("Reject")),
        (Application.Status.MORE_INFO, _("Ask for more information")),
    ]
    outcome = forms.ChoiceField(label=_("Decision"), choices=OUTCOMES, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=_("Amount awarded (€), for a partial approval"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )
    decision = forms.CharField(
        label=_("The decision, as the applicant reads it"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    grounds = forms.CharField(
        label=_("Grounds"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )


class ExtensionForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Why the decision takes longer (the applicant reads it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2_000,
    )


class PaymentBatchForm(AccessibleForm):
    """Which awards go into a new payment batch, and the day the bank is to pay them."""

    applications = forms.ModelMultipleChoiceField(
        label=_("Awards to pay"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one award to pay.")},
    )
    execution_date = forms.DateField(
        label=_("The bank pays on"),
        help_text=_("The requested execution date in the bank file; today or later."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: object, awards: QuerySet[Application], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = awards


class MarkPaidForm(AccessibleForm):
    paid_on = forms.DateField(
        label=_("Paid on"),
        help_text=_("The day the bank paid this batch (see the bank statement)."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
