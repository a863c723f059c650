"""Funds, their managers and rounds in /beheer/ (LSA staff with the funding permissions).

LSA staff create a fund and grant its fund managers here; the grant is recorded with who gave
it. The pot's `reserved` and `awarded` are read-only: only funding.services moves them, under
a row lock (docs/funding.md).
"""

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin_widgets import SafeAutocompleteMixin
from funding.models import Application, BudgetLine, Fund, FundManager, Round


class FundManagerInline(SafeAutocompleteMixin, admin.TabularInline):
    model = FundManager
    fk_name = "fund"
    fields = ["user", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]
    autocomplete_fields = ["user"]
    extra = 0
    verbose_name = _("fund manager")
    verbose_name_plural = _("fund managers (they see payees and bank accounts)")


class RoundInline(admin.TabularInline):
    model = Round
    fields = ["name", "opens_on", "closes_on", "pot", "reserved", "awarded"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Fund | None = None) -> bool:
        return False


@admin.register(Fund)
class FundAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    list_display = ["name", "funder", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "funder"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "funder", "description", "regulation", "website"]},
        ),
        # The debtor of the fund's SEPA credit transfer files (funding/payments.py).
        (_("Account paid from"), {"fields": ["account_name", "account_iban", "account_bic"]}),
        (None, {"fields": ["is_active"]}),
    ]
    inlines = [FundManagerInline, RoundInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        """Records who granted each new fund manager."""
        grants = formset.save(commit=False)
        for grant in grants:
            if isinstance(grant, FundManager) and grant.pk is None:
                grant.granted_by = request.user
            grant.save()
        for gone in formset.deleted_objects:
            gone.delete()
        formset.save_m2m()


@admin.register(Round)
class RoundAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    list_display = ["name", "fund", "opens_on", "closes_on", "pot", "reserved", "awarded"]
    list_filter = ["fund", "mode"]
    list_select_related = ["fund"]
    search_fields = ["name", "fund__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["fund"]
    readonly_fields = ["reserved", "awarded", "created_at"]
    fieldsets = [
        (None, {"fields": ["fund", "name", "slug", "mode", "opens_on", "closes_on"]}),
        (
            _("Money"),
            {
                "fields": [
                    "pot",
                    "reserved",
                    "awarded",
                    "min_award",
                    "max_award",
                    "max_awards_per_year",
                    "persons_allowed",
                    "person_max",
                ]
            },
        ),
        (
            _("Who may apply"),
            {
                "fields": [
                    "scope_codes",
                    "scope_from",
                    "kinds",
                    "stages",
                    "method_version",
                    "handprint_minimum",
                    "handprint_sdgs",
                    "requires_money_need",
                    "requires_complete_profile",
                ]
            },
        ),
        (
            _("Terms"),
            {
                "fields": [
                    "decision_term",
                    "decision_term_unit",
                    "extension_term",
                    "extension_term_unit",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Round]:
        return super().get_queryset(request).select_related("fund")


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    fields = ["description", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    """Read-only for LSA staff: applications move only through funding.services (the pot's
    lock and line); fund managers decide in their own pages, not here."""

    list_display = ["initiative", "round", "status", "amount", "awarded", "submitted_at"]
    list_filter = ["status", "round__fund"]
    list_select_related = ["initiative", "round__fund"]
    search_fields = ["initiative__name", "round__name", "purpose"]
    date_hierarchy = "submitted_at"
    inlines = [BudgetLineInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Application | None = None) -> list:
        return [field.name for field in Application._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False
