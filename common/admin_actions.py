"""Admin actions that change state through services: run each selected object's step, report
what was done and what was refused and why; ask a question first (a reason, a date)."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

Step = tuple[str, Callable[[], object]]


def run_steps(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    steps: Iterable[Step],
    done: Callable[[int], str],
) -> None:
    """Runs each step (its own transaction); reports how many succeeded and which were refused
    and why. A refusal does not undo the others."""
    succeeded, refused = 0, []
    for label, step in steps:
        try:
            step()
        except ValidationError as error:
            refused.append(f"{label}: {' '.join(error.messages)}")
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done(succeeded), messages.SUCCESS)
    if refused:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d refused: %(reasons)s",
                "%(count)d refused: %(reasons)s",
                len(refused),
            )
            % {"count": len(refused), "reasons": " · ".join(refused)},
            messages.WARNING,
        )


def ask(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    form: Form,
) -> TemplateResponse:
    """The intermediate page of an action: the selected objects and the form's questions."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/action_form.html", context)


def answered(request: HttpRequest) -> bool:
    return "confirm" in request.POST


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records and computed data (handprints, jobs, erasures): to look at, never to add,
    change or delete by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
