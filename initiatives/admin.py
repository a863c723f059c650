from collections.abc import Callable
from functools import partial

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin_actions import answered, ask, run_steps
from common.admin_widgets import SafeAutocompleteMixin
from initiatives import services
from initiatives.forms import ReasonForm
from initiatives.models import (
    ActivityReport,
    HelpOffer,
    Initiative,
    InitiativeEvent,
    InitiativeGoal,
    Need,
    Ownership,
    Theme,
)
from initiatives.permissions import is_moderator


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name_nl", "name_en", "slug", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"slug": ["name_nl"]}


class OwnershipInline(SafeAutocompleteMixin, admin.TabularInline):
    model = Ownership
    extra = 0
    autocomplete_fields = ["user"]


class GoalInline(admin.TabularInline):
    """Read only: the SDG selection is a handprint input; owners change it through the service
    that marks the handprint stale (initiative_update)."""

    model = InitiativeGoal
    extra = 0
    fields = ["position", "goal"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class NeedInline(admin.TabularInline):
    model = Need
    extra = 0
    fields = ["kind", "title", "amount", "until", "status"]
    readonly_fields = ["status"]


class EventInline(admin.TabularInline):
    model = InitiativeEvent
    extra = 0
    fields = ["created_at", "action", "actor", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Initiative)
class InitiativeAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    """Profile text is edited here; the status only through the actions, which call the same
    services as /moderatie/ (published_at, the event, the stale marks, the owners' mail)."""

    list_display = ["name", "status", "kind", "municipality", "district", "updated_at"]
    list_filter = ["status", "kind", "municipality__province"]
    list_select_related = ["municipality", "district"]
    search_fields = ["name", "slug", "municipality__name"]
    autocomplete_fields = ["municipality", "district", "neighbourhood", "areas_served"]
    # The place fields feed the area totals, so they change through the owners' service too.
    readonly_fields = [
        "slug",
        "status",
        "municipality",
        "district",
        "neighbourhood",
        "areas_served",
        "return_reason",
        "created_at",
        "updated_at",
        "submitted_at",
        "published_at",
        "archived_at",
    ]
    inlines = [OwnershipInline, GoalInline, NeedInline, EventInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "send_back", "archive"]

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return is_moderator(request.user)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        change: Callable[[Initiative], object],
        done: Callable[[int], str],
    ) -> None:
        """Runs the service for each selected initiative; a refusal is reported, not a 500."""
        run_steps(self, request, [(str(i), partial(change, i)) for i in queryset], done)

    @admin.action(description=_("Publish"), permissions=["moderate"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            lambda i: services.initiative_publish(initiative=i, staff=request.user),
            lambda n: (
                ngettext("%(count)d initiative published.", "%(count)d initiatives published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Send back to the owners…"), permissions=["moderate"])
    def send_back(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        """Returns a submitted initiative, or takes a published one offline, with a reason."""
        form = ReasonForm(request.POST if answered(request) else None)
        if not (answered(request) and form.is_valid()):
            title = _("Send back to the owners")
            return ask(self, request, queryset, action="send_back", title=title, form=form)
        reason = form.cleaned_data["reason"]

        def change(initiative: Initiative) -> Initiative:
            service = (
                services.initiative_unpublish
                if initiative.status == Initiative.Status.PUBLISHED
                else services.initiative_return
            )
            return service(initiative=initiative, staff=request.user, reason=reason)

        self._each(
            request,
            queryset,
            change,
            lambda n: (
                ngettext(
                    "%(count)d initiative sent back to its owners.",
                    "%(count)d initiatives sent back to their owners.",
                    n,
                )
                % {"count": n}
            ),
        )
        return None

    @admin.action(description=_("Archive"), permissions=["moderate"])
    def archive(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            lambda i: services.initiative_archive(initiative=i, user=request.user),
            lambda n: (
                ngettext("%(count)d initiative archived.", "%(count)d initiatives archived.", n)
                % {"count": n}
            ),
        )


@admin.register(ActivityReport)
class ActivityReportAdmin(admin.ModelAdmin):
    list_display = ["initiative", "month", "volunteer_hours", "active_volunteers", "people_reached"]
    list_select_related = ["initiative"]
    search_fields = ["initiative__name"]
    date_hierarchy = "month"

    # Figures change only through activity_report_save (history, and the impact recompute).
    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(HelpOffer)
class HelpOfferAdmin(admin.ModelAdmin):
    list_display = ["need", "created_at"]
    list_select_related = ["need"]
    readonly_fields = ["need", "name", "email", "message", "consent", "created_at"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False
