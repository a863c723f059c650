"""Forms of the resident's pages. They validate and shape; the services write."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, AccessibleModelForm, MonthField
from common.images import validate_image_upload
from initiatives.models import REASON_MAX_LENGTH, HelpOffer, Initiative, Need, Theme
from initiatives.services import validate_activity, validate_goal_selection
from places.models import District, Municipality, Neighbourhood
from places.validators import normalize_postcode
from sdgs.models import Goal


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Goal) -> str:
        return f"{obj.number}. {obj.name}"


class GoalMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Goal) -> str:
        return f"{obj.number}. {obj.name}"


class InitiativeForm(AccessibleModelForm):
    """The profile form. Gemeente → wijk → buurt narrow each other; without JavaScript the
    “choose” button re-renders the form with the wijken of the chosen gemeente."""

    primary_goal = GoalChoiceField(
        queryset=Goal.objects.all(),
        required=False,
        label=_("Primary SDG"),
        help_text=_("The Sustainable Development Goal you contribute to most. Needed to submit."),
    )
    other_goals = GoalMultipleChoiceField(
        queryset=Goal.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Other SDGs (at most four)"),
    )
    # A web address typed without a scheme is taken as https.
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Themes"),
    )

    class Meta:
        model = Initiative
        fields = [
            "name",
            "summary",
            "description",
            "kind",
            "municipality",
            "district",
            "neighbourhood",
            "areas_served",
            "website",
            "public_email",
            "founded_year",
            "legal_form",
            "stage",
            "contact_name",
            "contact_email",
            "contact_phone",
            "postcode",
            "consent_share_contact",
            "consent_open_data",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "areas_served": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "contact_name": _("Private: only LSA staff and, with your consent, the municipality."),
            "postcode": _("Private; used to place the initiative on the map of its buurt."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.active().order_by("name")
        municipality_code = self._current("municipality")
        district_code = self._current("district")
        districts = District.objects.active().filter(municipality_id=municipality_code)
        self.fields["district"].queryset = districts.order_by("name")
        self.fields["areas_served"].queryset = districts.order_by("name")
        self.fields["neighbourhood"].queryset = (
            Neighbourhood.objects.active().filter(district_id=district_code).order_by("name")
        )
        if self.instance.pk:
            links = list(self.instance.goal_links.all())
            self.initial.setdefault(
                "primary_goal", next((g.goal_id for g in links if g.position == 1), None)
            )
            self.initial.setdefault("other_goals", [g.goal_id for g in links if g.position > 1])
            self.initial.setdefault("themes", list(self.instance.themes.all()))

    def _current(self, name: str) -> str | None:
        if self.is_bound:
            return self.data.get(self.add_prefix(name)) or None
        value = self.initial.get(name) or getattr(self.instance, f"{name}_id", None)
        return getattr(value, "pk", value)

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "")
        return normalize_postcode(value) if value else ""

    def clean_founded_year(self) -> int | None:
        year = self.cleaned_data.get("founded_year")
        if year is not None and not 1800 <= year <= timezone.localdate().year:
            raise ValidationError(_("Give a year between 1800 and this year."))
        return year

    def clean(self) -> dict:
        data = super().clean()
        primary = data.get("primary_goal")
        others = [g.number for g in data.get("other_goals") or [] if g != primary]
        if others and primary is None:
            self.add_error("primary_goal", _("Choose a primary SDG first."))
        if len(others) > 4:
            self.add_error("other_goals", _("Choose at most four other SDGs."))
        goals = ([primary.number] if primary else []) + others
        try:
            validate_goal_selection(goals)
        except ValidationError as exc:
            self.add_error("other_goals", exc.message_dict["goals"])
        data["goals"] = goals
        district, neighbourhood = data.get("district"), data.get("neighbourhood")
        if neighbourhood and neighbourhood.district_id != getattr(district, "pk", None):
            self.add_error("neighbourhood", _("This buurt is not in the chosen wijk."))
        return data

    def service_arguments(self) -> dict:
        """What initiative_create/initiative_update take, from the cleaned data."""
        fields = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in ("areas_served",)
        }
        return {
            "fields": fields,
            "themes": self.cleaned_data["themes"],
            "goals": self.cleaned_data["goals"],
            "areas_served": self.cleaned_data["areas_served"],
        }


class PhotoForm(AccessibleForm):
    image = forms.ImageField(
        label=_("Photo"), help_text=_("JPEG, PNG or WebP, at most 20 MB. We remove location data.")
    )
    alt_text = forms.CharField(
        label=_("What is in the photo?"),
        max_length=200,
        help_text=_("One sentence for people who cannot see the photo."),
    )

    def clean_image(self):  # noqa: ANN201
        image = self.cleaned_data["image"]
        validate_image_upload(image)
        return image


class NeedForm(AccessibleModelForm):
    class Meta:
        model = Need
        fields = ["kind", "title", "description", "amount", "until"]
        widgets = {
            "until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_until(self) -> datetime.date | None:
        until = self.cleaned_data.get("until")
        if until and until < timezone.localdate():
            raise ValidationError(_("This date has already passed."))
        return until


class HelpOfferForm(AccessibleModelForm):
    # A honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    honeypot_field = "homepage"
    homepage = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = HelpOffer
        fields = ["name", "email", "message", "consent"]
        widgets = {"message": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].required = True
        self.fields["consent"].error_messages["required"] = _(
            "We can only pass on your message with your e-mail address."
        )

    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("homepage")))


class ActivityReportForm(AccessibleForm):
    month = MonthField()
    volunteer_hours = forms.DecimalField(
        label=_("Volunteer hours"), min_value=Decimal(0), max_digits=9, decimal_places=1
    )
    active_volunteers = forms.IntegerField(label=_("Active volunteers"), min_value=0)
    people_reached = forms.IntegerField(label=_("People reached"), min_value=0)

    def __init__(self, *args: object, founded_year: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.founded_year = founded_year

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            validate_activity(
                month=data["month"],
                founded_year=self.founded_year,
                volunteer_hours=data["volunteer_hours"],
                active_volunteers=data["active_volunteers"],
                people_reached=data["people_reached"],
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
        return data


class InviteForm(AccessibleForm):
    email = forms.EmailField(label=_("E-mail address of the co-owner"))


class ReasonForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Reason (sent to the owners)"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportRemindersForm(AccessibleForm):
    """The owner's switch for the monthly report reminder."""

    report_reminders = forms.BooleanField(
        label=_("Remind me by e-mail when last month's activity is not yet filled in"),
        required=False,
    )
