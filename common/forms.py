"""Form rendering that meets WCAG: an error summary, and errors tied to their fields."""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class AccessibleFormMixin:
    """Marks invalid fields with aria-invalid and links them to their error message."""

    template_name = "includes/form.html"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field = self.fields[name]
            widget = field.widget
            error_id = f"{self[name].auto_id}_fout"
            # Setting the attribute ourselves stops Django adding the help text id: keep it.
            help_id = f"{self[name].auto_id}_helptext" if field.help_text else ""
            described = widget.attrs.get("aria-describedby", help_id)
            if error_id not in described.split():
                widget.attrs["aria-describedby"] = f"{error_id} {described}".strip()
            widget.attrs["aria-invalid"] = "true"


class AccessibleForm(AccessibleFormMixin, forms.Form):
    pass


class AccessibleModelForm(AccessibleFormMixin, forms.ModelForm):
    pass


class MonthField(forms.DateField):
    """A calendar month typed as 2026-10 (an <input type="month">); cleans to its first day."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Month"))
        kwargs.setdefault("help_text", _("For example 2026-10."))
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
        super().__init__(**kwargs)

    def to_python(self, value: object):  # noqa: ANN201
        month = super().to_python(value)
        return month.replace(day=1) if month else month


# Options HTML by (cache key, language): see FastSelect.cache_key.
_options_html: dict[tuple, str] = {}
_OPTIONS_KEPT = 256


class FastSelect(forms.Select):
    """A single select written in Python, the same markup as Django's template.

    The filter form offers all 342 gemeenten; through the template engine their options cost
    more than the page's SQL (bench/browse.py). Labels and values are escaped here.

    With a `cache_key` that changes whenever the choices do (the filter gives the places'
    version), the options are written once per process and language, and a request only
    marks its chosen one.
    """

    def __init__(
        self, attrs: dict | None = None, choices: object = (), cache_key: tuple | None = None
    ) -> None:
        super().__init__(attrs, choices)
        self.cache_key = cache_key

    # Kept as given: Django normalises the choices again on every copy of the widget.
    @property
    def choices(self) -> list:
        return self._choices

    @choices.setter
    def choices(self, value: object) -> None:
        self._choices = value if isinstance(value, list) else list(value)

    def options_html(self) -> str:
        """Every option, none selected; each value and label escaped (quotes too)."""
        key = None if self.cache_key is None else (self.cache_key, get_language())
        found = _options_html.get(key) if key is not None else None
        if found is None:
            found = "\n  ".join(
                f'<option value="{escape(str(value))}">{escape(str(label))}</option>'
                for value, label in self.choices
            )
            if key is not None:
                if len(_options_html) >= _OPTIONS_KEPT:
                    _options_html.clear()  # old versions of the places: start again
                _options_html[key] = found
        return found

    def render(self, name, value, attrs=None, renderer=None):  # noqa: ANN001, ANN201
        chosen = escape("" if value is None else str(value))
        # Values are unique and labels escaped, so this tag occurs once at most, and only
        # as the chosen option's own tag.
        options = self.options_html().replace(
            f'<option value="{chosen}">', f'<option value="{chosen}" selected>', 1
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(  # noqa: S308 - values and labels are escaped in options_html
            f'<select name="{escape(name)}"{attributes}>\n  ' + options + "\n</select>"
        )


class CodeChoiceField(forms.CharField):
    """A choice among many codes (342 gemeenten), checked against a set and drawn by FastSelect.

    A ChoiceField normalises and deep-copies every choice each time a form is built, which on
    the filter form cost more than its SQL; this field keeps the list as it was given.
    """

    widget = FastSelect
    default_error_messages = {
        "invalid_choice": _(
            "Select a valid choice. %(value)s is not one of the available choices."
        ),
    }

    def __init__(
        self,
        *,
        choices: list[tuple[str, str]] | tuple = (),
        empty_label: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.valid = {str(code) for code, _label in choices}
        self.choices = ([("", empty_label)] if empty_label is not None else []) + list(choices)
        self.widget.choices = self.choices

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and value not in self.valid:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )


def field_html(field: forms.BoundField) -> str:
    """What `{% include "includes/field.html" %}` writes for `field`, without the template.

    A list page includes it for each of its nine filters: through the template engine (two
    includes, a dozen lookups each) that cost more than a card list. The common case is
    written here: a label and a widget, no errors and no help text. Anything else (errors,
    help text, checkboxes, radio buttons) is the template's, so the markup stays its own.
    """
    widget = field.field.widget
    input_type = getattr(widget, "input_type", None)
    if field.errors or field.help_text or input_type in ("radio", "checkbox"):
        from django.template.loader import render_to_string

        return render_to_string("includes/field.html", {"field": field, "form": field.form})
    hidden = " hp" if field.name == getattr(field.form, "honeypot_field", "") else ""
    required = (
        f' <span class="required">({gettext("required")})</span>' if field.field.required else ""
    )
    return mark_safe(  # noqa: S308 - the label and id are escaped, the widget is Django's
        f'<div class="field{hidden}">\n\n  <label for="{conditional_escape(field.auto_id)}">'
        f"{conditional_escape(field.label)}{required}</label>\n  \n\n\n  {field}\n\n</div>\n"
    )
