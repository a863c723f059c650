from django.contrib import admin
from django.db import models

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


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name_nl", "name_en", "slug", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"slug": ["name_nl"]}


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    autocomplete_fields = ["user"]


class GoalInline(admin.TabularInline):
    model = InitiativeGoal
    extra = 0
    max_num = 5


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
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "kind", "municipality", "district", "updated_at"]
    list_filter = ["status", "kind", "municipality__province"]
    list_select_related = ["municipality", "district"]
    search_fields = ["name", "slug", "municipality__name"]
    autocomplete_fields = ["municipality", "district", "neighbourhood", "areas_served"]
    readonly_fields = ["slug", "created_at", "updated_at", "submitted_at", "published_at"]
    inlines = [OwnershipInline, GoalInline, NeedInline, EventInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


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
