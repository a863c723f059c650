from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.admin_actions import ReadOnlyAdmin
from impact.method_admin import (
    method_version_approve,
    method_version_copy,
    method_version_edited,
    method_version_request_publication,
)
from impact.models import (
    Activity,
    HandprintResult,
    HandprintState,
    Indicator,
    IndicatorQuantity,
    MethodActivity,
    MethodConversion,
    MethodIndicator,
    MethodPrice,
    MethodRule,
    MethodVersion,
    RecomputeJob,
)
from impact.recompute import recompute_all_enqueue
from impact.selectors import indicator_quantities_held
from impact.services import indicator_quantity_ask_owners, indicator_quantity_review
from initiatives.permissions import is_moderator


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "unit_nl", "is_universal"]
    list_filter = ["is_universal"]
    search_fields = ["code", "name_nl", "name_en"]

    def get_readonly_fields(self, request: HttpRequest, obj: Indicator | None = None) -> list:
        # Stored handprint lines name their indicator by code: a code never changes.
        return ["code"] if obj else []


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en"]
    search_fields = ["code", "name_nl", "name_en"]

    def get_readonly_fields(self, request: HttpRequest, obj: Activity | None = None) -> list:
        # Initiatives and versions name activities by code: a code never changes.
        return ["code"] if obj else []


def _published(obj: MethodVersion | None) -> bool:
    return obj is not None and obj.is_published


class VersionPartInline:
    """A part of a method version: shown, never edited, once the version is published (the
    database refuses it too)."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_delete_permission(request, obj)


def _prefixed(prefix: str) -> type[BaseInlineFormSet]:
    """A formset with its own prefix: prices and conversions both hide their reverse name."""

    class PrefixedFormSet(BaseInlineFormSet):
        @classmethod
        def get_default_prefix(cls) -> str:
            return prefix

    return PrefixedFormSet


class MethodIndicatorInline(VersionPartInline, admin.StackedInline):
    model = MethodIndicator
    classes = ["collapse"]
    fields = [
        ("indicator", "position"),
        ("kind", "aggregation"),
        ("effect_nl", "effect_en"),
        ("price_rule", "price_codes", "conversion_codes"),
        ("unit_value_low", "unit_value_central", "unit_value_high"),
        "value_source",
        ("deadweight", "attribution"),
        ("split", "fixed_split"),
        ("plausibility_max", "deducts_hours"),
        ("overlap_group", "overlap_priority"),
        ("question_nl", "question_en"),
        ("not_valued_nl", "not_valued_en"),
    ]


# A source address typed without a scheme is taken as https (as on the other admin pages).
SOURCED_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}
SOURCED_FIELDS = [
    ("code", "position"),
    ("name_nl", "name_en", "unit"),
    ("given_low", "given_central", "given_high"),
    ("low", "central", "high"),
    ("derivation_nl", "derivation_en"),
    ("source_title", "source_publisher"),
    ("source_year", "year", "source_url"),
    ("secondary", "note"),
    ("unused_nl", "unused_en"),
]


class SourcedValueForm(forms.ModelForm):
    """A value not used has no levels, and a source may give none: the levels may be empty
    (the database still requires all three used levels, or the reason why not)."""

    LEVELS = ("given_low", "given_central", "given_high", "low", "central", "high")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in self.LEVELS:
            if name in self.fields:
                self.fields[name].required = False


class SourcedValueInline(VersionPartInline, admin.StackedInline):
    formfield_overrides = SOURCED_OVERRIDES
    form = SourcedValueForm
    classes = ["collapse"]
    fields = SOURCED_FIELDS


class MethodPriceInline(SourcedValueInline):
    model = MethodPrice
    formset = _prefixed("prices")


class MethodConversionInline(SourcedValueInline):
    model = MethodConversion
    formset = _prefixed("conversions")


class MethodActivityInline(VersionPartInline, admin.TabularInline):
    model = MethodActivity
    classes = ["collapse"]
    fields = ["activity", "indicator_codes", "target_split", "position"]


class MethodRuleInline(VersionPartInline, admin.StackedInline):
    model = MethodRule
    classes = ["collapse"]
    fields = [("code", "position"), ("title_nl", "title_en"), "text_nl", "text_en"]


@admin.register(MethodVersion)
class MethodVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "valid_from", "publication_requested_by", "published_at"]
    list_select_related = ["publication_requested_by"]
    ordering = ["-valid_from"]
    fields = [
        "code",
        "name",
        "valid_from",
        "changes",
        ("publication_requested_by", "publication_requested_at"),
        ("approved_by", "approved_at"),
        "published_at",
        "created_at",
    ]
    four_eyes_fields = [
        "publication_requested_by",
        "publication_requested_at",
        "approved_by",
        "approved_at",
        "published_at",
        "created_at",
    ]
    inlines = [
        MethodIndicatorInline,
        MethodPriceInline,
        MethodConversionInline,
        MethodActivityInline,
        MethodRuleInline,
    ]
    actions = ["copy_as_draft", "request_publication", "approve_and_publish"]

    def get_readonly_fields(self, request: HttpRequest, obj: MethodVersion | None = None) -> list:
        if _published(obj):
            return ["code", "name", "valid_from", "changes", *self.four_eyes_fields]
        return list(self.four_eyes_fields)

    # A published version opens as a read-only view; a POST to it is refused (403).
    def has_change_permission(self, request: HttpRequest, obj: MethodVersion | None = None) -> bool:
        return not _published(obj) and super().has_change_permission(request, obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:  # noqa: ANN001
        super().save_related(request, form, formsets, change)
        edited = form.has_changed() or any(formset.has_changed() for formset in formsets)
        if change and edited and method_version_edited(version=form.instance, user=request.user):
            self.message_user(
                request,
                gettext("The publication request was withdrawn: ask again after your edits."),
                messages.WARNING,
            )

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

    def _four_eyes_step(
        self,
        request: HttpRequest,
        queryset: QuerySet[MethodVersion],
        step: Callable[..., MethodVersion],
        refused: str,
        done: str,
    ) -> None:
        for version in queryset:
            try:
                step(version=version, user=request.user)
            except ValidationError as exc:
                self.message_user(
                    request,
                    format_html(
                        "{}<ul>{}</ul>",
                        refused % {"code": version.code},
                        format_html_join("", "<li>{}</li>", ((m,) for m in exc.messages)),
                    ),
                    messages.ERROR,
                )
            else:
                self.message_user(request, done % {"code": version.code}, messages.SUCCESS)

    @admin.action(description=_("Request publication"), permissions=["change"])
    def request_publication(self, request: HttpRequest, queryset: QuerySet[MethodVersion]) -> None:
        self._four_eyes_step(
            request,
            queryset,
            method_version_request_publication,
            gettext("Publication of version %(code)s was not requested:"),
            gettext(
                "Publication of version %(code)s is requested: a second staff member must "
                "approve it before it is published."
            ),
        )

    @admin.action(description=_("Approve and publish"), permissions=["change"])
    def approve_and_publish(self, request: HttpRequest, queryset: QuerySet[MethodVersion]) -> None:
        self._four_eyes_step(
            request,
            queryset,
            method_version_approve,
            gettext("Version %(code)s was not published:"),
            gettext("Version %(code)s is approved and published."),
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


@admin.register(IndicatorQuantity)
class IndicatorQuantityAdmin(ReadOnlyAdmin):
    """The review queue (R11): monthly quantities above the current version's plausible maximum
    not reviewed yet. LSA moderators accept or reject them, or ask the owners to check them."""

    list_display = ["initiative", "indicator", "month", "quantity", "plausibility_max"]
    list_select_related = ["initiative", "indicator"]
    ordering = ["month", "initiative__name", "pk"]
    search_fields = ["initiative__name"]
    actions = ["accept", "reject", "ask_owners"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return indicator_quantities_held()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_moderator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_moderator(request.user)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return is_moderator(request.user)

    @admin.display(description=_("plausible maximum per month"))
    def plausibility_max(self, obj: IndicatorQuantity):  # noqa: ANN201
        return obj.plausibility_max

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # noqa: ANN201
        title = gettext("Figures above the plausible maximum, to review")
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def _review(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = indicator_quantity_review(quantity_ids=ids, decision=decision, user=request.user)
        self.message_user(
            request,
            ngettext("%(count)d figure reviewed.", "%(count)d figures reviewed.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Accept: the figure counts"), permissions=["moderate"])
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, IndicatorQuantity.Review.ACCEPTED)

    @admin.action(description=_("Reject: the figure never counts"), permissions=["moderate"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, IndicatorQuantity.Review.REJECTED)

    @admin.action(description=_("Ask the owners to check or correct it"), permissions=["moderate"])
    def ask_owners(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = indicator_quantity_ask_owners(quantity_ids=ids, user=request.user)
        self.message_user(
            request,
            ngettext(
                "The owners of %(count)d initiative were asked to check the figure.",
                "The owners of %(count)d initiatives were asked to check the figures.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
