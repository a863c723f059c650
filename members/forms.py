"""Forms of the member administration: the organisation form and the admin actions' questions."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.images import make_renditions
from members.models import (
    FIRST_DUES_YEAR,
    REASON_MAX_LENGTH,
    Dues,
    MemberOrganisation,
    Membership,
)
from members.services import LAST_DUES_YEAR, ORGANISATION_FIELDS

Status = Membership.Status


class DateInput(forms.DateInput):
    """The browser's own date picker; works without the admin's JavaScript calendar."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _today_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, initial=timezone.localdate, widget=DateInput())


def _formfield(db_field: models.Field, **kwargs: object) -> forms.Field | None:
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class MemberOrganisationAdminForm(forms.ModelForm):
    # Longer than the 8 digits stored: "1234 5678" and "12.34.56.78" are accepted and cleaned.
    kvk_number = forms.CharField(
        label=_("KvK number"),
        max_length=20,
        required=False,
        help_text=_("8 digits, as on the extract of the Chamber of Commerce (KvK)."),
    )

    class Meta:
        model = MemberOrganisation
        formfield_callback = _formfield
        # What the services may set (member_organisation_create/_update).
        fields = list(ORGANISATION_FIELDS)

    def clean_photo(self) -> File | None:
        """A new photo is stored only as a re-encoded JPEG, like initiative photos: no EXIF,
        GPS or comments, and a random name instead of the uploaded one."""
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            return make_renditions(photo)["large"].content
        return photo

    def clean_kvk_number(self) -> str:
        kvk_number = re.sub(r"[\s.]", "", self.cleaned_data["kvk_number"])
        # Checked here, not only by the database constraint, so the message sits at the field.
        others = MemberOrganisation.objects.exclude(pk=self.instance.pk)
        if kvk_number and others.filter(kvk_number=kvk_number).exists():
            raise ValidationError(
                _("Another member organisation has this KvK number."), code="kvk_taken"
            )
        return kvk_number


class ContactInlineFormSet(BaseInlineFormSet):
    """At most one primary contact per organisation, checked over the whole form.

    The database allows one; the per-form check cannot see the other rows of the same form,
    so without this two ticked boxes would reach the database and fail there. Moving the
    mark from one person to another in one save works: the current primary is listed, and
    so saved, first.
    """

    def clean(self) -> None:
        super().clean()
        primaries = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_primary") and not self._should_delete_form(form)
        ]
        if len(primaries) > 1:
            raise ValidationError(
                _("Mark one contact person as primary, not %(count)d.") % {"count": len(primaries)},
                code="one_primary",
            )


class ReasonForm(forms.Form):
    """The reason and date for suspending or ending memberships."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Recorded with the membership and visible to LSA staff only."),
    )
    on = _today_field(_("Date"))

    def __init__(self, *args: object, date_label: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].label = date_label


class DuesInvoiceForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_DUES_YEAR,
        max_value=LAST_DUES_YEAR,
        initial=lambda: timezone.localdate().year,
    )
    amount = forms.DecimalField(
        label=_("Amount (euro)"), min_value=0, max_digits=8, decimal_places=2
    )
    invoiced_on = _today_field(_("Invoiced on"))


class DuesPaidForm(forms.Form):
    paid_on = _today_field(_("Paid on"))


class DuesPaidForYearForm(DuesPaidForm):
    """From the organisation list: which year's dues were paid."""

    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_DUES_YEAR,
        max_value=LAST_DUES_YEAR,
        initial=lambda: timezone.localdate().year,
    )
    field_order = ["year", "paid_on"]


class MembershipAdminForm(forms.ModelForm):
    """Corrections of a membership's dates and reason; the status changes through the actions.

    Says in words what the database constraints would refuse.
    """

    class Meta:
        model = Membership
        fields = ["applied_on", "started_on", "suspended_on", "ended_on", "reason"]
        widgets = {
            name: DateInput() for name in ["applied_on", "started_on", "suspended_on", "ended_on"]
        }

    def clean(self) -> dict:
        data = super().clean()
        status = self.instance.status
        applied_on, started_on = data.get("applied_on"), data.get("started_on")
        errors: dict[str, str] = {}
        if status in (Status.ACTIVE, Status.SUSPENDED) and not started_on:
            errors["started_on"] = _("A member has a start date.")
        if status == Status.SUSPENDED and not data.get("suspended_on"):
            errors["suspended_on"] = _("A suspended membership has a suspension date.")
        if status == Status.ENDED:
            if not data.get("ended_on"):
                errors["ended_on"] = _("An ended membership has an end date.")
            if not (data.get("reason") or "").strip():
                errors["reason"] = _("Give the reason why the membership ends.")
        for field in ("started_on", "ended_on"):
            if applied_on and data.get(field) and data[field] < applied_on:
                errors[field] = _("This date cannot be before the application date.")
        if errors:
            raise ValidationError(errors)
        return data


class DuesAdminForm(forms.ModelForm):
    """Says in words what the database constraints on dues would refuse."""

    year = forms.IntegerField(label=_("year"), min_value=FIRST_DUES_YEAR, max_value=LAST_DUES_YEAR)

    class Meta:
        model = Dues
        fields = ["organisation", "year", "amount", "invoiced_on", "paid_on"]
        widgets = {"invoiced_on": DateInput(), "paid_on": DateInput()}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("paid_on") and not data.get("invoiced_on"):
            self.add_error(
                "invoiced_on", _("Dues that were paid were invoiced first: fill in the date.")
            )
        return data
