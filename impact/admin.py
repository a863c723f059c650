from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.admin_actions import ReadOnlyAdmin
from impact.method_admin import method_version_copy, method_version_publish
from impact.models import (
    HandprintResult,
    HandprintState,
    Indicator,
    MethodIndicator,
    MethodVersion,
    RecomputeJob,
)
from impact.recompute import recompute_all_enqueue


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "unit_nl", "is_universal"]
    list_filter = ["is_universal"]
    search_fields = ["code", "name_nl", "name_en"]

    def get_readonly_fields(self, request: HttpRequest, obj: Indicator | None = None) -> list:
        # Stored handprint lines name their indicator by code: a code never changes.
        return ["code"] if obj else []


def _published(obj: MethodVersion | None) -> bool:
    return obj is not None and obj.is_published


class MethodIndicatorInline(admin.TabularInline):
    model = MethodIndicator
    extra = 0
    fields = [
        "indicator",
        "unit_value_low",
        "unit_value_central",
        "unit_value_high",
        "value_source",
        "deadweight",
        "attribution",
        "split",
        "fixed_split",
    ]

    # A published version's entries are shown, never edited (the database refuses it too).
    def has_add_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_delete_permission(request, obj)


@admin.register(MethodVersion)
class MethodVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "valid_from", "published_at"]
    ordering = ["-valid_from"]
    fields = ["code", "name", "valid_from", "changes", "published_at", "created_at"]
    inlines = [MethodIndicatorInline]
    actions = ["copy_as_draft", "publish"]

    def get_readonly_fields(self, request: HttpRequest, obj: MethodVersion | None = None) -> list:
        if _published(obj):
            return list(self.fields)
        return ["published_at", "created_at"]

    # A published version opens as a read-only view; a POST to it is refused (403).
    def has_change_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_delete_permission(request, obj)

    @admin.action(description=_("Copy as new draft version"), permissions=["add"])
    def copy_as_draft(self, request: HttpRequest, queryset: QuerySet[MethodVersion]) -> None:
        for version in queryset:
            draft = method_version_copy(version=version, user=request.user)
            self.message_user(
                request,
                gettext("Version %(code)s copied as draft %(draft)s, valid from %(date)s.")
                % {"code": version.code, "draft": draft.code, "date": draft.valid_from},
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[MethodVersion]) -> None:
        for version in queryset:
            try:
                method_version_publish(version=version, user=request.user)
            except ValidationError as exc:
                self.message_user(
                    request,
                    gettext("Version %(code)s was not published: %(problems)s")
                    % {"code": version.code, "problems": " ".join(exc.messages)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext("Version %(code)s is published.") % {"code": version.code},
                    messages.SUCCESS,
                )


@admin.register(HandprintState)
class HandprintStateAdmin(ReadOnlyAdmin):
    list_display = [
        "initiative",
        "inputs_version",
        "computed_version",
        "stale_since",
        "enqueued_at",
        "computations",
        "computed_at",
    ]
    list_select_related = ["initiative"]
    search_fields = ["initiative__name"]


@admin.register(HandprintResult)
class HandprintResultAdmin(ReadOnlyAdmin):
    list_display = [
        "initiative",
        "version",
        "period_kind",
        "period_start",
        "months_reported",
        "volunteer_hours",
        "value_central",
        "computed_at",
    ]
    list_filter = ["period_kind", "version"]
    list_select_related = ["initiative", "version"]
    search_fields = ["initiative__name"]


@admin.register(RecomputeJob)
class RecomputeJobAdmin(ReadOnlyAdmin):
    """The set-wise recomputes; staff with the permission start one here and watch it run."""

    list_display = ["version", "period_end", "status", "done", "total", "started_at", "finished_at"]
    list_select_related = ["version"]
    change_list_template = "admin/impact/recomputejob/change_list.html"

    def get_urls(self) -> list:
        start = path(
            "start/",
            self.admin_site.admin_view(self.start_view),
            name="impact_recomputejob_start",
        )
        return [start, *super().get_urls()]

    def has_start_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("impact.start_recomputejob")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # noqa: ANN201
        job = RecomputeJob.objects.select_related("version").first()
        running = job is not None and job.status == RecomputeJob.Status.RUNNING
        context = {
            "latest_job": job,
            "running": running,
            "percent": round(100 * job.done / job.total) if job and job.total else 0,
            "can_start": self.has_start_permission(request) and not running,
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def start_view(self, request: HttpRequest) -> HttpResponseRedirect:
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:impact_recomputejob_changelist"))
        if not self.has_start_permission(request):
            raise PermissionDenied
        with transaction.atomic():
            job = recompute_all_enqueue()
        if job is None:
            self.message_user(
                request,
                gettext("A recompute is already running, or no method version is valid today."),
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                gettext(
                    "Recompute of %(total)s initiatives queued with method %(code)s; "
                    "this page shows its progress."
                )
                % {"total": job.total, "code": job.version.code},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:impact_recomputejob_changelist"))
