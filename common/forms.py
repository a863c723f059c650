"""Form rendering that meets WCAG: an error summary, and errors tied to their fields."""

from django import forms


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
