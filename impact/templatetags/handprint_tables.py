"""`{% load handprint_tables %}`: the handprint tables' rows, written by impact/tables.py."""

from collections.abc import Iterable, Sequence
from typing import Any

from django import template
from django.utils.safestring import SafeString

from impact import tables

register = template.Library()


@register.simple_tag
def sdg_rows(rows: Iterable[Any], with_range: object = False) -> SafeString:
    return tables.sdg_rows_html(rows, with_range=bool(with_range))


@register.simple_tag
def kind_rows(effects: Iterable[dict]) -> SafeString:
    return tables.kind_rows_html(effects)


@register.simple_tag
def activity_rows(rows: Iterable[Any], with_per_10000: object = False) -> SafeString:
    return tables.activity_rows_html(rows, with_per_10000=bool(with_per_10000))


@register.simple_tag
def target_goals(goals: Sequence[Any], with_per_10000: object = False) -> SafeString:
    return tables.target_goals_html(goals, with_per_10000=bool(with_per_10000))
