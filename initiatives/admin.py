from django.contrib import admin

from initiatives.models import Initiative, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name_nl", "name_en", "slug", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"slug": ["name_nl"]}


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "municipality", "district", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["municipality", "district", "neighbourhood"]
    readonly_fields = ["created_at", "updated_at"]
