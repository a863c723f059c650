from django.contrib import admin

from sdgs.models import Goal


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["number", "name_nl", "name_en", "colour"]

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
