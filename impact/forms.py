from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, MonthField
from impact.models import Activity, Indicator


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
