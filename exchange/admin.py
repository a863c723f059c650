"""Partners, their staff and offers in /beheer/ (LSA staff, group "LSA-medewerkers").

Partners register themselves and are moderated on /beurs/moderatie/ (exchange/services_partners
.py records who and when): here the status is read-only and nothing is added. LSA staff may
correct a profile or an offer, and grant or revoke partner staff (recorded with who granted).
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin_widgets import SafeAutocompleteMixin
from exchange.models import Category, Offer, Partner, PartnerStaff


class PartnerStaffInline(SafeAutocompleteMixin, admin.TabularInline):
    model = PartnerStaff
    fk_name = "partner"
    fields = ["user", "granted_by", "granted_at"]
    readonly_fields = ["granted_by", "granted_at"]
    autocomplete_fields = ["user"]
    extra = 0
    verbose_name_plural = _("partner staff (a role: never staff status)")


class PartnerAdminForm(ModelForm):
    categories = forms.MultipleChoiceField(
        choices=Category.choices, widget=forms.CheckboxSelectMultiple, label=_("what you offer")
    )
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = [
            "name",
            "kind",
            "summary",
            "description",
            "categories",
            "website",
            "kvk_number",
            "is_national",
            "municipalities",
        ]


@admin.register(Partner)
class PartnerAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    form = PartnerAdminForm
    list_display = ["name", "kind", "status", "is_national", "created_at"]
    list_filter = ["status", "kind", "is_national"]
    search_fields = ["name", "kvk_number"]
    readonly_fields = ["slug", "status", "status_reason", "approved_at", "approved_by"]
    autocomplete_fields = ["municipalities"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "summary", "description", "categories"]}),
        (None, {"fields": ["website", "kvk_number", "is_national", "municipalities"]}),
        (
            _("Moderation (on the partner moderation page)"),
            {"fields": ["status", "status_reason", "approved_at", "approved_by"]},
        ),
    ]
    inlines = [PartnerStaffInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        """Records who granted each new staff member."""
        grants = formset.save(commit=False)
        for grant in grants:
            if isinstance(grant, PartnerStaff) and grant.pk is None:
                grant.granted_by = request.user
            grant.save()
        for gone in formset.deleted_objects:
            gone.delete()
        formset.save_m2m()


@admin.register(Offer)
class OfferAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["title", "partner", "category", "status", "until", "created_at"]
    list_filter = ["status", "category"]
    list_select_related = ["partner"]
    search_fields = ["title", "partner__name"]
    fields = [
        "partner",
        "category",
        "title",
        "description",
        "amount",
        "until",
        "municipalities",
        "status",
        "closed_at",
    ]
    readonly_fields = ["partner", "status", "closed_at"]
    autocomplete_fields = ["municipalities"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
