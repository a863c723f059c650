from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import UserChangeAdminForm, UserCreationAdminForm
from accounts.models import AccountErasure, OfficerGrant, User
from common.admin_widgets import SafeAutocompleteMixin


class OfficerGrantInline(SafeAutocompleteMixin, admin.TabularInline):
    """Makes the user a municipal officer: read access and, with consent, contact details."""

    model = OfficerGrant
    fk_name = "user"
    extra = 1
    autocomplete_fields = ["municipality"]
    readonly_fields = ["granted_by", "granted_at"]
    verbose_name = _("officer role for a municipality")
    verbose_name_plural = _("officer roles (municipalities)")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    inlines = [OfficerGrantInline]
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_inlines(self, request, obj):  # noqa: ANN001, ANN201
        # Adding a user asks for the e-mail address and password only, like Django's own.
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change) -> None:  # noqa: ANN001
        for grant in formset.save(commit=False):
            if isinstance(grant, OfficerGrant) and grant.pk is None:
                grant.granted_by = request.user
            grant.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(OfficerGrant)
class OfficerGrantAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["user", "municipality", "granted_by", "granted_at"]
    search_fields = ["user__email", "municipality__name", "municipality__code"]
    autocomplete_fields = ["user", "municipality"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AccountErasure)
class AccountErasureAdmin(admin.ModelAdmin):
    """The record that an account was deleted (AVG): read only, holds no personal data."""

    list_display = ["user_number", "erased_at"]
    readonly_fields = ["user_number", "erased_at", "counts"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
