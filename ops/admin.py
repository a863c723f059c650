from django.contrib import admin

from ops.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "queue", "seen_at"]
    list_filter = ["queue"]
    readonly_fields = ["worker", "queue", "seen_at"]
