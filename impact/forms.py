import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, MonthField
from impact.models import Activity
from impact.reporting import Question
from initiatives.forms import ActivityReportForm
from initiatives.validators import validate_report_month

QUANTITY_PREFIX = "qty_"


class MonthChoiceForm(AccessibleForm):
    """The "load a month" form (GET ?maand=YYYY-MM): which month the report form shows."""

    maand = MonthField(label=_("Month to report or correct"))

    def __init__(self, *args: object, founded_year: int | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.founded_year = founded_year

    def clean_maand(self) -> datetime.date:
        month = self.cleaned_data["maand"]
        try:
            validate_report_month(month, founded_year=self.founded_year)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["month"]) from exc
        return month


class HiddenMonthInput(forms.DateInput):
    input_type = "hidden"


class MonthReportForm(ActivityReportForm):
    """A whole month: the figures, and one optional field per question the declared
    activities ask (impact.reporting.month_questions). Saved by `month_report_save`.

    An empty quantity field removes that figure of the month, so the page fills in what was
    saved; a quantity field not sent at all leaves the figure alone (`quantities`). `loaded` is
    the month whose figures the page showed: typing another month that already has figures
    is refused, so a month is never overwritten with another month's numbers unseen.
    """

    loaded = forms.DateField(
        required=False, input_formats=["%Y-%m"], widget=HiddenMonthInput(format="%Y-%m")
    )

    def __init__(
        self,
        *args: object,
        founded_year: int | None,
        questions: list[Question],
        months_with_figures: frozenset[datetime.date] = frozenset(),
        partner_hours: Decimal | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, founded_year=founded_year, **kwargs)
        # Partner hours count once, as their own line (method R12): never in these hours too.
        self.partner_hours = partner_hours
        help_text = [
            _(
                "All hours your own volunteers gave this month, without the hours partners gave "
                "through the exchange."
            )
        ]
        if partner_hours:
            help_text.insert(
                0,
                _(
                    "Partners gave %(hours)s hours this month through the exchange; they count "
                    "apart."
                )
                % {"hours": number_format(partner_hours.normalize(), force_grouping=True)},
            )
        self.fields["volunteer_hours"].label = _("Volunteer hours (without partner hours)")
        self.fields["volunteer_hours"].help_text = " ".join(str(text) for text in help_text)
        self.months_with_figures = months_with_figures
        self.questions = {question.code: question for question in questions}
        for question in questions:
            name = QUANTITY_PREFIX + question.code
            field = forms.DecimalField(
                label=question.question,
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=2,
                help_text=_question_help(question),
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
            field.unit = question.unit
            field.question = question
            if question.plausibility_max is not None:
                field.widget.attrs["data-plausibility-max"] = f"{question.plausibility_max:f}"
            # The unit is read with the field: it follows the input, outside the label.
            field.widget.attrs["aria-describedby"] = f"id_{name}_unit id_{name}_helptext"
            self.fields[name] = field

    def _quantity_fields(self, *, hours: bool) -> list[forms.BoundField]:
        return [
            self[QUANTITY_PREFIX + code]
            for code, question in self.questions.items()
            if question.deducts_hours == hours
        ]

    @property
    def hour_fields(self) -> list[forms.BoundField]:
        """Hours per activity (R9): part of the month's volunteer hours."""
        return self._quantity_fields(hours=True)

    @property
    def quantity_fields(self) -> list[forms.BoundField]:
        return self._quantity_fields(hours=False)

    def field_name(self, key: str) -> str | None:
        """The field a service error key belongs to: a figure, or an indicator code."""
        if key in self.fields:
            return key
        return QUANTITY_PREFIX + key if QUANTITY_PREFIX + key in self.fields else None

    def clean(self) -> dict:
        data = super().clean()
        month, loaded = data.get("month"), data.get("loaded")
        if month and loaded and month != loaded and month in self.months_with_figures:
            self.add_error(
                "month",
                _(
                    "This form showed %(loaded)s, and %(month)s already has figures. Load "
                    "%(month)s first, so you see what you change."
                )
                % {"loaded": date_format(loaded, "F Y"), "month": date_format(month, "F Y")},
            )
        return data

    def quantities(self) -> dict[str, Decimal | None]:
        """The quantities to save, by indicator code: None for a field sent empty (removes
        the month's figure); a field not sent at all is left out (left as it was)."""
        return {
            code: self.cleaned_data.get(QUANTITY_PREFIX + code)
            for code in self.questions
            if self.add_prefix(QUANTITY_PREFIX + code) in self.data
        }


def _question_help(question: Question) -> str:
    parts = [question.help] if question.help else []
    if question.activities:
        asked_for = ", ".join(question.activities)
        parts.append(_("Asked for: %(activities)s.") % {"activities": asked_for})
    else:
        parts.append(
            _(
                "None of your activities asks this any more; it is shown because this month "
                "has a figure. Empty it to remove that figure."
            )
        )
    if question.plausibility_max is not None:
        parts.append(
            _(
                "More than %(maximum)s a month is saved, but counts only after LSA staff have "
                "checked it."
            )
            % {"maximum": number_format(question.plausibility_max.normalize(), force_grouping=True)}
        )
    return " ".join(str(part) for part in parts)


# How the owners' page groups the activity catalogue; an activity in no group is shown under
# "Other activities", so a new catalogue entry is never left out.
ACTIVITY_GROUPS = [
    (
        _("Care and wellbeing"),
        [
            "informele_zorg_burenhulp",
            "mantelzorgondersteuning",
            "boodschappenhulp",
            "vervoer_ritten",
            "klussen_aan_huis",
            "huishoudelijke_hulp",
            "persoonlijke_begeleiding",
            "zinvolle_dagbesteding",
        ],
    ),
    (
        _("Meeting and taking part"),
        [
            "ontmoeting_inloop",
            "maatjes_bezoek",
            "buurtfeesten_cohesie",
            "cultuur_creativiteit",
            "sport_bewegen",
            "jongerenactiviteiten",
        ],
    ),
    (
        _("Learning and work"),
        [
            "taalles_taalcafe",
            "digitale_vaardigheden",
            "huiswerkbegeleiding",
            "leer_werkplekken",
            "naar_betaald_werk",
        ],
    ),
    (
        _("Food and things"),
        [
            "maaltijden_kookclub",
            "voedselhulp",
            "voedselverspilling",
            "kledingbank_ruilwinkel",
            "repair_cafe",
            "hergebruik_weggeefwinkel",
        ],
    ),
    (
        _("Green, energy and climate"),
        [
            "buurttuin_moestuin",
            "groen_bomen",
            "zwerfafval",
            "energieadvies_energiearmoede",
            "energiecooperatie",
        ],
    ),
]


class GroupedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes with a fieldset and legend per group of choices."""

    template_name = "impact/widgets/grouped_checkboxes.html"


class InitiativeActivitiesForm(AccessibleForm):
    activities = forms.MultipleChoiceField(
        label=_("What does your initiative do?"), required=False, widget=GroupedCheckboxes
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = {activity.code: activity.name for activity in Activity.objects.all()}
        groups, placed = [], set()
        for label, codes in ACTIVITY_GROUPS:
            placed.update(codes)
            if options := [(code, names[code]) for code in codes if code in names]:
                groups.append((label, options))
        if rest := sorted(
            ((code, name) for code, name in names.items() if code not in placed),
            key=lambda option: option[1].casefold(),
        ):
            groups.append((_("Other activities"), rest))
        self.fields["activities"].choices = groups
