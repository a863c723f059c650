"""The forms of matches: the three proposals and each action on the match page. They parse;
exchange/services.py checks everything again (who, which state, which dates)."""

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm
from exchange.models import MESSAGE_MAX_LENGTH, Match
from exchange.transitions import Action

_hours = Match._meta.get_field("hours")
_money = Match._meta.get_field("money")


def _message(required: bool = True, label: object = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        required=required,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class _ChoiceLabels(forms.ModelChoiceField):
    """A choice of a few of the user's own rows, labelled by a function."""

    def __init__(self, queryset: QuerySet, label_of: object, **kwargs: object) -> None:
        super().__init__(queryset, **kwargs)
        self.label_of = label_of

    def label_from_instance(self, obj: object) -> str:
        return self.label_of(obj)


class AskForm(AccessibleForm):
    """An owner asks a partner, from its offer, for one of their open needs."""

    def __init__(self, *args: object, needs: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"] = _ChoiceLabels(
            needs,
            lambda need: f"{need.title} ({need.initiative.name})",
            label=_("For which need"),
            empty_label=None,
        )
        self.fields["message"] = _message(
            label=_("Your message to the partner"),
        )
        self.fields["message"].help_text = _("Say who you are and what you would like.")


class OfferHelpForm(AccessibleForm):
    """Partner staff offer help on a need, for one of their partners, with one of its
    offers or none."""

    def __init__(
        self, *args: object, partners: QuerySet, offers: QuerySet, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"] = forms.ModelChoiceField(
            partners, label=_("On behalf of"), empty_label=None
        )
        self.fields["offer"] = _ChoiceLabels(
            offers,
            lambda offer: f"{offer.title} ({offer.partner.name})",
            label=_("With this offer (optional)"),
            required=False,
        )
        self.fields["message"] = _message(label=_("Your message to the initiative"))
        self.fields["message"].help_text = _("Say what you can do, and when.")


class HelpOfferMatchForm(AccessibleForm):
    message = _message(label=_("Your message to the helper"))


class AgreeForm(AccessibleForm):
    agreed_for = forms.DateField(
        label=_("Delivered by"),
        help_text=_("The day you agree the help will have been given."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class DeclineForm(AccessibleForm):
    message = _message(required=False, label=_("Why not (optional)"))


class DeliveryForm(AccessibleForm):
    """What was delivered; empty fields mean nothing of that kind."""

    delivered_on = forms.DateField(
        label=_("Delivered on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    hours = forms.DecimalField(
        label=_("Hours given"),
        required=False,
        min_value=Decimal(0),
        max_digits=_hours.max_digits,
        decimal_places=_hours.decimal_places,
        help_text=_("Only the giving side's hours, not the initiative's own volunteers."),
    )
    materials = forms.CharField(
        label=_("Materials given"),
        required=False,
        max_length=Match._meta.get_field("materials").max_length,
    )
    materials_value = forms.DecimalField(
        label=_("Stated value of the materials (€)"),
        required=False,
        min_value=Decimal(0),
        max_digits=_money.max_digits,
        decimal_places=_money.decimal_places,
    )
    money = forms.DecimalField(
        label=_("Money given (€)"),
        required=False,
        min_value=Decimal(0),
        max_digits=_money.max_digits,
        decimal_places=_money.decimal_places,
    )


class ConfirmForm(AccessibleForm):
    pass


class NotDeliveredForm(AccessibleForm):
    message = _message(required=False, label=_("What happened (optional)"))


class CloseForm(AccessibleForm):
    fulfils_need = forms.BooleanField(
        label=_("Our need is fulfilled through this match: close it too"), required=False
    )


class MessageForm(AccessibleForm):
    message = _message()


class ShareForm(AccessibleForm):
    share = forms.BooleanField(
        label=_("Show our contact details to the other side once both agreed"), required=False
    )


# The form of each action on the match page (the prefix keeps their fields apart on the page).
ACTION_FORMS: dict[Action, type[AccessibleForm]] = {
    Action.AGREE: AgreeForm,
    Action.DECLINE: DeclineForm,
    Action.REPORT: DeliveryForm,
    Action.CONFIRM: ConfirmForm,
    Action.NOT_DELIVERED: NotDeliveredForm,
    Action.CLOSE: CloseForm,
    Action.MESSAGE: MessageForm,
    Action.SHARE: ShareForm,
}
