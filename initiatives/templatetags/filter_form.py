"""`{% load filter_form %}`: the list's filter fields written by common.forms.field_html."""

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

from common.forms import field_html

register = template.Library()


@register.simple_tag
def filter_field(field: forms.BoundField) -> SafeString:
    return mark_safe(field_html(field))  # noqa: S308 - field_html escapes what it writes
