"""The forms of committee-ranked rounds: the round itself, its criteria, its committee, a
review, a declared conflict and the ranking (validated again by funding.committee)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, AccessibleModelForm
from funding.committee import ROUND_FIELDS
from funding.models import Criterion, Review, Round
from impact.models import MethodVersion
from initiatives.models import Initiative

COMMENT_MAX_LENGTH = 5_000


class RoundForm(AccessibleModelForm):
    """A round as its fund's manager edits it; the pot's reserved and awarded are not here."""

    kinds = forms.MultipleChoiceField(
        label=_("Kinds of initiative"),
        choices=Initiative.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every kind."),
    )
    stages = forms.MultipleChoiceField(
        label=_("Stages"),
        choices=Initiative.Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: any stage, or none given."),
    )

    class Meta:
        model = Round
        fields = list(ROUND_FIELDS)
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "mode": forms.RadioSelect,
        }
        help_texts = {
            "scope_codes": _(
                "CBS codes separated by commas (e.g. GM0344, WK034401); empty for the whole "
                "country."
            ),
            "handprint_sdgs": _("SDG numbers separated by commas; empty: the handprint's total."),
            "mode": _("A committee round needs a closing date: it is decided after it."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method_version"].queryset = MethodVersion.objects.filter(
            published_at__isnull=False
        ).order_by("-valid_from")
        # A callable default makes Django add a hidden "initial-" copy that takes the help
        # text's aria-describedby, which a hidden input may not carry; has_changed is unused.
        for name in ("scope_codes", "handprint_sdgs"):
            self.fields[name].show_hidden_initial = False

    def clean_scope_codes(self) -> list[str]:
        return [code.strip().upper() for code in self.cleaned_data["scope_codes"] if code.strip()]

    def clean(self) -> dict:
        # The database's checks as errors on the fields they concern, not "constraint violated".
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("A round closes on or after the day it opens."))
        if data.get("mode") == Round.Mode.COMMITTEE and not closes and "closes_on" in data:
            self.add_error("closes_on", _("A committee round needs a closing date."))
        low, high, pot = data.get("min_award"), data.get("max_award"), data.get("pot")
        if low and high and low > high:
            self.add_error("min_award", _("The minimum is at most the maximum."))
        if high and pot and high > pot:
            self.add_error("max_award", _("The maximum is at most the pot."))
        person_max = data.get("person_max")
        if person_max is not None:
            if not data.get("persons_allowed"):
                self.add_error("person_max", _("Only a round that pays persons has this limit."))
            elif high and person_max > high:
                self.add_error("person_max", _("At most the maximum per award."))
        return data

    def validate_unique(self) -> None:
        # The constraints are checked by funding.committee.round_save on the whole round (with
        # its fund, reserved and awarded) and by clean() above, each error in its own words.
        return None


class CriterionForm(AccessibleModelForm):
    class Meta:
        model = Criterion
        fields = ["name", "description", "max_score", "weight", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


CriterionFormSet = forms.inlineformset_factory(
    Round,
    Criterion,
    form=CriterionForm,
    extra=2,
    max_num=20,
    # A forged TOTAL_FORMS never makes the server build more than 20 rows (Django: 1,020).
    absolute_max=20,
    validate_max=True,
    can_delete=True,
)


class CommitteeGrantForm(AccessibleForm):
    email = forms.EmailField(
        label=_("E-mail address of the new committee member"),
        help_text=_("The address of an existing Buurtbeurs account."),
    )


class ReviewForm(AccessibleForm):
    """A score per criterion (0 up to its highest), a recommendation and a comment."""

    recommendation = forms.ChoiceField(
        label=_("Your recommendation"),
        choices=Review.Recommendation.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment for the fund manager"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
    )

    def __init__(self, *args: object, criteria: list[Criterion], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        scores = {}
        for criterion in criteria:
            scores[f"score_{criterion.pk}"] = forms.IntegerField(
                label=_("%(name)s (0 to %(max)d)")
                % {"name": criterion.name, "max": criterion.max_score},
                min_value=0,
                max_value=criterion.max_score,
                help_text=criterion.description,
            )
        # Scores first, in the criteria's order.
        self.fields = {**scores, **self.fields}
        self.criteria = criteria

    def scores(self) -> dict[int, int | None]:
        return {c.pk: self.cleaned_data.get(f"score_{c.pk}") for c in self.criteria}


class ConflictForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Why you have a conflict of interest (in short)"),
        max_length=300,
        help_text=_("The fund manager reads it. The application disappears from your list."),
    )


class RankingForm(AccessibleForm):
    """A rank per application (1 = first)."""

    def __init__(self, *args: object, applications: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.applications = applications
        for position, application in enumerate(applications, start=1):
            self.fields[f"rank_{application.pk}"] = forms.IntegerField(
                label=_("Rank of %(name)s") % {"name": application.initiative.name},
                min_value=1,
                max_value=9_999,
                required=False,
                initial=application.rank or position,
            )

    def ranks(self) -> dict[int, int | None]:
        return {a.pk: self.cleaned_data.get(f"rank_{a.pk}") for a in self.applications}
