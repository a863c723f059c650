"""The member administration in /beheer/: organisations, contacts, memberships, dues.

Only staff with the members permissions (the group "LSA-medewerkers", or superusers) reach
these pages; Django's admin answers 403 to other staff. Every edit here, and every action,
is recorded by django-simple-history ("Geschiedenis" on each object). Actions call
`members.services`, one object at a time, and report what was done and what was refused; the
change forms save and delete organisations, contact persons and invoiced dues through the same
services (the form validates first, the service again).
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from common.admin_actions import ReadOnlyAdmin, Step, answered, ask, run_steps
from common.admin_widgets import SafeAutocompleteMixin
from members import services
from members.forms import (
    ContactInlineFormSet,
    DuesAdminForm,
    DuesInvoiceForm,
    DuesPaidForm,
    DuesPaidForYearForm,
    MemberOrganisationAdminForm,
    MembershipAdminForm,
    ReasonForm,
)
from members.models import (
    ContactErasure,
    ContactPerson,
    Dues,
    MemberImportJob,
    MemberOrganisation,
    Membership,
)
from members.permissions import can_administer_members

Status = Membership.Status

# --- Reads for the lists and the dashboard -----------------------------------------------


def _outstanding_dues() -> QuerySet[Dues]:
    return Dues.objects.filter(invoiced_on__isnull=False, paid_on__isnull=True)


def organisations_for_staff() -> QuerySet[MemberOrganisation]:
    """Organisations with their membership status (the current one, else the latest) and their
    outstanding dues (count and sum), in one query whatever the page size."""
    latest_status = (
        Membership.objects.filter(organisation=OuterRef("pk"))
        .order_by(
            Case(When(status__in=Membership.CURRENT, then=Value(0)), default=Value(1)),
            "-applied_on",
            "-pk",
        )
        .values("status")[:1]
    )
    outstanding = (
        _outstanding_dues()
        .filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(count=Count("pk"), total=Sum("amount"))
    )
    return MemberOrganisation.objects.annotate(
        membership_status=Subquery(latest_status),
        dues_outstanding_count=Coalesce(Subquery(outstanding.values("count")), 0),
        dues_outstanding_total=Coalesce(
            Subquery(outstanding.values("total")),
            Value(Decimal("0.00")),
            output_field=models.DecimalField(max_digits=10, decimal_places=2),
        ),
    )


def dashboard_figures(*, year: int) -> dict[str, Any]:
    """The dashboard's figures in four queries: active members per province and per type,
    membership counts (current, new and ended in `year`), outstanding dues per year."""
    active = Membership.objects.filter(status=Status.ACTIVE).order_by()
    province = "organisation__municipality__province"
    per_province = list(
        active.values(f"{province}_id", f"{province}__name")
        .annotate(count=Count("pk"))
        .order_by(f"{province}__name")
    )
    type_labels = dict(MemberOrganisation.Type.choices)
    per_type = [
        {
            "type": row["organisation__type"],
            "label": type_labels.get(row["organisation__type"]),
            "count": row["count"],
        }
        for row in active.values("organisation__type")
        .annotate(count=Count("pk"))
        .order_by("-count", "organisation__type")
    ]
    counts = Membership.objects.aggregate(
        active=Count("pk", filter=Q(status=Status.ACTIVE)),
        prospect=Count("pk", filter=Q(status=Status.PROSPECT)),
        suspended=Count("pk", filter=Q(status=Status.SUSPENDED)),
        started_this_year=Count("pk", filter=Q(started_on__year=year)),
        ended_this_year=Count("pk", filter=Q(status=Status.ENDED, ended_on__year=year)),
    )
    dues_per_year = list(
        _outstanding_dues()
        .order_by()
        .values("year")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-year")
    )
    return {
        "year": year,
        "per_province": [
            {"id": row[f"{province}_id"], "name": row[f"{province}__name"], "count": row["count"]}
            for row in per_province
        ],
        "per_type": per_type,
        "counts": counts,
        "dues_per_year": dues_per_year,
        "dues_outstanding_count": sum(row["count"] for row in dues_per_year),
        "dues_outstanding_total": sum((row["total"] for row in dues_per_year), Decimal("0.00")),
    }


# --- Filters -----------------------------------------------------------------------------


class MembershipStatusFilter(admin.SimpleListFilter):
    title = _("membership")
    parameter_name = "membership"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return [*Status.choices, ("none", _("never applied"))]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        value = self.value()
        if value == "none":
            return queryset.filter(membership_status__isnull=True)
        if value in Status.values:
            return queryset.filter(membership_status=value)
        return queryset


class DuesUnpaidFilter(admin.SimpleListFilter):
    title = _("dues")
    parameter_name = "dues"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return [("unpaid", _("invoiced, not paid")), ("settled", _("nothing outstanding"))]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        if self.value() == "unpaid":
            return queryset.filter(dues_outstanding_count__gt=0)
        if self.value() == "settled":
            return queryset.filter(dues_outstanding_count=0)
        return queryset


class DuesOutstandingFilter(admin.SimpleListFilter):
    title = _("payment")
    parameter_name = "payment"

    def lookups(self, request, model_admin):  # noqa: ANN001, ANN201
        return [
            ("unpaid", _("invoiced, not paid")),
            ("paid", _("paid")),
            ("not_invoiced", _("not invoiced")),
        ]

    def queryset(self, request, queryset):  # noqa: ANN001, ANN201
        if self.value() == "unpaid":
            return queryset.filter(invoiced_on__isnull=False, paid_on__isnull=True)
        if self.value() == "paid":
            return queryset.filter(paid_on__isnull=False)
        if self.value() == "not_invoiced":
            return queryset.filter(invoiced_on__isnull=True)
        return queryset


# --- Saving through the services ----------------------------------------------------------


class ServiceRefusalMixin:
    """The services validate again what the form let through: a refusal the form could not
    foresee (a rule only the service knows, a colleague's save in between) rolls the whole save
    back, inlines included, and is shown as a message instead of a server error."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """The admin goes on with the instance its form built (log entry, redirect, inlines):
    give it the row the service stored."""
    obj.pk = saved.pk
    obj._state.adding = False


# --- Inlines -----------------------------------------------------------------------------


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    formset = ContactInlineFormSet
    fields = ["name", "role", "email", "phone", "is_primary"]
    extra = 0
    show_change_link = True


class MembershipInline(admin.TabularInline):
    """Read only: memberships change through the actions, so every rule of the lifecycle holds."""

    model = Membership
    fields = ["status", "applied_on", "started_on", "suspended_on", "ended_on", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class DuesInline(admin.TabularInline):
    """Invoicing and payment are the actions' (`dues_invoice`, `dues_mark_paid`): their dates are
    read only here, so their checks cannot be bypassed."""

    model = Dues
    form = DuesAdminForm
    fields = ["year", "amount", "invoiced_on", "paid_on", "reminders_sent", "last_reminder_on"]
    readonly_fields = ["invoiced_on", "paid_on", "reminders_sent", "last_reminder_on"]
    extra = 0
    show_change_link = True


# --- Member organisations ----------------------------------------------------------------


@admin.register(MemberOrganisation)
class MemberOrganisationAdmin(ServiceRefusalMixin, SafeAutocompleteMixin, SimpleHistoryAdmin):
    form = MemberOrganisationAdminForm
    # Set explicitly so an import/export mixin extends it instead of replacing it.
    change_list_template = "admin/members/memberorganisation/change_list.html"
    list_display = [
        "name",
        "type",
        "place",
        "province",
        "membership",
        "dues_outstanding",
        "kvk_number",
    ]
    list_select_related = ["municipality__province"]
    list_filter = [
        MembershipStatusFilter,
        DuesUnpaidFilter,
        "type",
        "municipality__province",
        ("municipality", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "name",
        "city",
        "municipality__name",
        "district__name",
        "kvk_number",
        "postcode",
    ]
    search_help_text = _("Search by name, place, gemeente, wijk, postcode or KvK number.")
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["municipality", "district", "initiatives"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "type", "kvk_number", "website"]}),
        (
            _("Place"),
            {"fields": ["municipality", "district", "street_address", "postcode", "city"]},
        ),
        (
            _("Public member directory"),
            {"fields": ["story", "photo", "photo_alt", "initiatives"]},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [ContactPersonInline, MembershipInline, DuesInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = [
        "membership_apply",
        "membership_activate",
        "membership_suspend",
        "membership_resume",
        "membership_end",
        "dues_invoice",
        "dues_mark_paid",
        "dues_send_reminder",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MemberOrganisation]:
        return organisations_for_staff()

    # Saves and deletions go through members.services; the form has validated already.

    def save_model(
        self, request: HttpRequest, obj: MemberOrganisation, form: Any, change: bool
    ) -> None:
        fields = form.changed_data if change else form.fields
        data = {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}
        if change:
            saved = services.member_organisation_update(
                organisation=obj, by=request.user, data=data
            )
        else:
            saved = services.member_organisation_create(by=request.user, data=data)
        _adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        # Not form.save_m2m(): the service stored the linked initiatives with the organisation.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change) -> None:  # noqa: ANN001
        if formset.model is not ContactPerson:
            super().save_formset(request, form, formset, change)
            return
        contacts = formset.save(commit=False)
        # Removing a contact person, here or anywhere, erases them (AVG). Erased first: the
        # removed person may have been the primary contact.
        services.contacts_erase(contacts=formset.deleted_objects, by=request.user)
        for contact in contacts:
            services.contact_person_save(contact=contact, by=request.user)

    def delete_model(self, request: HttpRequest, obj: MemberOrganisation) -> None:
        services.member_organisation_delete(organisation=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for organisation in queryset:
            services.member_organisation_delete(organisation=organisation, by=request.user)

    def get_urls(self) -> list:
        dashboard = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="members_dashboard",
        )
        return [dashboard, *super().get_urls()]

    # Columns

    @admin.display(description=_("place"), ordering="city")
    def place(self, obj: MemberOrganisation) -> str:
        return obj.city or obj.municipality.name

    @admin.display(description=_("province"), ordering="municipality__province__name")
    def province(self, obj: MemberOrganisation) -> str:
        return obj.municipality.province.name

    @admin.display(description=_("membership"), ordering="membership_status")
    def membership(self, obj: MemberOrganisation) -> str:
        if obj.membership_status is None:
            return "–"
        return Status(obj.membership_status).label

    @admin.display(description=_("dues outstanding"), ordering="dues_outstanding_total")
    def dues_outstanding(self, obj: MemberOrganisation) -> str:
        if not obj.dues_outstanding_count:
            return "–"
        return f"€ {obj.dues_outstanding_total:.2f} ({obj.dues_outstanding_count})".replace(
            ".", ","
        )

    # Permissions of the actions: the rights on memberships and dues, not on organisations.

    def has_membership_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("members.change_membership") and request.user.has_perm(
            "members.add_membership"
        )

    def has_dues_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("members.change_dues") and request.user.has_perm(
            "members.add_dues"
        )

    # Membership actions

    def _current_memberships(self, queryset: QuerySet) -> dict[int, Membership]:
        current = Membership.objects.filter(
            organisation__in=queryset.values("pk"), status__in=Membership.CURRENT
        )
        return {membership.organisation_id: membership for membership in current}

    def _membership_steps(
        self, queryset: QuerySet, step: Callable[[Membership], object]
    ) -> list[Step]:
        current = self._current_memberships(queryset)
        steps: list[Step] = []
        for organisation in queryset:
            membership = current.get(organisation.pk)
            if membership is None:
                steps.append((str(organisation), _no_current_membership))
            else:
                steps.append((str(organisation), lambda m=membership: step(m)))
        return steps

    @admin.action(description=_("Membership: register application"), permissions=["membership"])
    def membership_apply(self, request: HttpRequest, queryset: QuerySet) -> None:
        steps = [
            (
                str(organisation),
                lambda o=organisation: services.membership_apply(organisation=o, by=request.user),
            )
            for organisation in queryset
        ]
        run_steps(
            self,
            request,
            steps,
            lambda n: (
                ngettext(
                    "%(count)d application registered.", "%(count)d applications registered.", n
                )
                % {"count": n}
            ),
        )

    def _membership_transition(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        service: Callable[..., Membership],
        done: Callable[[int], str],
    ) -> None:
        """An action without questions: one service call per organisation's membership."""
        steps = self._membership_steps(queryset, lambda m: service(membership=m, by=request.user))
        run_steps(self, request, steps, done)

    @admin.action(description=_("Membership: activate (from today)"), permissions=["membership"])
    def membership_activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._membership_transition(
            request,
            queryset,
            services.membership_activate,
            lambda n: (
                ngettext("%(count)d membership activated.", "%(count)d memberships activated.", n)
                % {"count": n}
            ),
        )

    def _membership_with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        action: str,
        title: str,
        date_label: str,
        change: Callable[[Membership, str, datetime.date], Membership],
        done: Callable[[int], str],
    ) -> TemplateResponse | None:
        """An action that first asks a reason and a date (suspend, end), then changes each
        organisation's membership with them."""
        form = ReasonForm(request.POST if answered(request) else None, date_label=date_label)
        if answered(request) and form.is_valid():
            data = form.cleaned_data
            steps = self._membership_steps(
                queryset, lambda m: change(m, data["reason"], data["on"])
            )
            run_steps(self, request, steps, done)
            return None
        return ask(self, request, queryset, action=action, title=title, form=form)

    @admin.action(description=_("Membership: suspend…"), permissions=["membership"])
    def membership_suspend(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        return self._membership_with_reason(
            request,
            queryset,
            action="membership_suspend",
            title=_("Suspend membership"),
            date_label=_("Suspended on"),
            change=lambda m, reason, on: services.membership_suspend(
                membership=m, by=request.user, reason=reason, suspended_on=on
            ),
            done=lambda n: (
                ngettext("%(count)d membership suspended.", "%(count)d memberships suspended.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Membership: resume"), permissions=["membership"])
    def membership_resume(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._membership_transition(
            request,
            queryset,
            services.membership_resume,
            lambda n: (
                ngettext("%(count)d membership resumed.", "%(count)d memberships resumed.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Membership: end…"), permissions=["membership"])
    def membership_end(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._membership_with_reason(
            request,
            queryset,
            action="membership_end",
            title=_("End membership"),
            date_label=_("Ended on"),
            change=lambda m, reason, on: services.membership_end(
                membership=m, by=request.user, reason=reason, ended_on=on
            ),
            done=lambda n: (
                ngettext("%(count)d membership ended.", "%(count)d memberships ended.", n)
                % {"count": n}
            ),
        )

    # Dues actions

    @admin.action(description=_("Dues: invoice…"), permissions=["dues"])
    def dues_invoice(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        form = DuesInvoiceForm(request.POST if answered(request) else None)
        if answered(request) and form.is_valid():
            data = form.cleaned_data
            steps = [
                (
                    str(organisation),
                    lambda o=organisation: services.dues_invoice(
                        organisation=o,
                        year=data["year"],
                        amount=data["amount"],
                        invoiced_on=data["invoiced_on"],
                        by=request.user,
                    ),
                )
                for organisation in queryset
            ]
            run_steps(
                self,
                request,
                steps,
                lambda n: (
                    ngettext(
                        "Dues invoiced for %(count)d organisation.",
                        "Dues invoiced for %(count)d organisations.",
                        n,
                    )
                    % {"count": n}
                ),
            )
            return None
        return ask(
            self, request, queryset, action="dues_invoice", title=_("Invoice dues"), form=form
        )

    @admin.action(description=_("Dues: mark paid…"), permissions=["dues"])
    def dues_mark_paid(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        form = DuesPaidForYearForm(request.POST if answered(request) else None)
        if answered(request) and form.is_valid():
            data = form.cleaned_data
            dues = {
                row.organisation_id: row
                for row in Dues.objects.filter(
                    organisation__in=queryset.values("pk"), year=data["year"]
                )
            }
            steps: list[Step] = []
            for organisation in queryset:
                row = dues.get(organisation.pk)
                if row is None:
                    steps.append((str(organisation), _no_dues(data["year"])))
                else:
                    steps.append(
                        (
                            str(organisation),
                            lambda d=row: services.dues_mark_paid(
                                dues=d, by=request.user, paid_on=data["paid_on"]
                            ),
                        )
                    )
            run_steps(self, request, steps, _dues_paid_message)
            return None
        return ask(
            self,
            request,
            queryset,
            action="dues_mark_paid",
            title=_("Mark dues paid"),
            form=form,
        )

    @admin.action(description=_("Dues: send reminder"), permissions=["dues"])
    def dues_send_reminder(self, request: HttpRequest, queryset: QuerySet) -> None:
        outstanding: dict[int, list[Dues]] = {}
        for row in _outstanding_dues().filter(organisation__in=queryset.values("pk")):
            outstanding.setdefault(row.organisation_id, []).append(row)
        steps: list[Step] = []
        for organisation in queryset:
            rows = outstanding.get(organisation.pk)
            if not rows:
                steps.append((str(organisation), _nothing_outstanding))
            for row in rows or []:
                steps.append(
                    (
                        f"{organisation} {row.year}",
                        lambda d=row: services.dues_send_reminder(dues=d, by=request.user),
                    )
                )
        run_steps(self, request, steps, _reminders_message)

    # Dashboard

    def dashboard_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        year = timezone.localdate().year
        changelist = reverse("admin:members_memberorganisation_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Members dashboard"),
            "opts": self.model._meta,
            "figures": dashboard_figures(year=year),
            "changelist_url": changelist,
            "dues_changelist_url": reverse("admin:members_dues_changelist"),
        }
        return TemplateResponse(request, "admin/members/dashboard.html", context)


def _no_current_membership() -> None:
    raise ValidationError(_("no current membership."))


def _nothing_outstanding() -> None:
    raise ValidationError(_("no invoiced dues outstanding."))


def _no_dues(year: int) -> Callable[[], None]:
    def refuse() -> None:
        raise ValidationError(_("no dues for %(year)s.") % {"year": year})

    return refuse


def _dues_paid_message(count: int) -> str:
    return ngettext(
        "%(count)d dues payment recorded.", "%(count)d dues payments recorded.", count
    ) % {"count": count}


def _reminders_message(count: int) -> str:
    return ngettext(
        "%(count)d reminder queued for sending.", "%(count)d reminders queued for sending.", count
    ) % {"count": count}


# --- Memberships and dues ----------------------------------------------------------------


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Lists and history of memberships; the status changes through the organisation actions."""

    form = MembershipAdminForm

    list_display = [
        "organisation",
        "status",
        "applied_on",
        "started_on",
        "suspended_on",
        "ended_on",
    ]
    list_filter = ["status", "organisation__municipality__province"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "organisation__kvk_number"]
    date_hierarchy = "applied_on"
    fields = [
        "organisation",
        "status",
        "applied_on",
        "started_on",
        "suspended_on",
        "ended_on",
        "reason",
        "created_at",
    ]
    readonly_fields = ["organisation", "status", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A membership begins with the action "register application" (members.services).
        return False


@admin.register(Dues)
class DuesAdmin(ServiceRefusalMixin, SafeAutocompleteMixin, SimpleHistoryAdmin):
    """Invoicing and payment go through `dues_invoice` and `dues_mark_paid` (the actions, and a
    new row with its dates); the dates of a stored row are read only."""

    form = DuesAdminForm
    list_display = [
        "organisation",
        "year",
        "amount",
        "invoiced_on",
        "paid_on",
        "reminders_sent",
        "last_reminder_on",
    ]
    list_filter = [DuesOutstandingFilter, "year", "organisation__type"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "organisation__kvk_number"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["reminders_sent", "last_reminder_on"]
    actions = ["mark_paid", "send_reminder"]

    def get_readonly_fields(self, request: HttpRequest, obj: Dues | None = None) -> list[str]:
        readonly = [*super().get_readonly_fields(request, obj)]
        return readonly if obj is None else ["invoiced_on", "paid_on", *readonly]

    def save_model(self, request: HttpRequest, obj: Dues, form: Any, change: bool) -> None:
        if change or obj.invoiced_on is None:
            super().save_model(request, obj, form, change)  # year and amount; not yet invoiced
            return
        dues = services.dues_invoice(
            organisation=obj.organisation,
            year=obj.year,
            amount=obj.amount,
            invoiced_on=obj.invoiced_on,
            by=request.user,
        )
        if obj.paid_on is not None:
            dues = services.dues_mark_paid(dues=dues, by=request.user, paid_on=obj.paid_on)
        _adopt(obj, dues)

    @admin.action(description=_("Mark paid…"), permissions=["change"])
    def mark_paid(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        form = DuesPaidForm(request.POST if answered(request) else None)
        if answered(request) and form.is_valid():
            paid_on: datetime.date = form.cleaned_data["paid_on"]
            steps = [
                (
                    str(row),
                    lambda d=row: services.dues_mark_paid(dues=d, by=request.user, paid_on=paid_on),
                )
                for row in queryset
            ]
            run_steps(self, request, steps, _dues_paid_message)
            return None
        return ask(
            self, request, queryset, action="mark_paid", title=_("Mark dues paid"), form=form
        )

    @admin.action(description=_("Send reminder"), permissions=["change"])
    def send_reminder(self, request: HttpRequest, queryset: QuerySet) -> None:
        steps = [
            (str(row), lambda d=row: services.dues_send_reminder(dues=d, by=request.user))
            for row in queryset
        ]
        run_steps(self, request, steps, _reminders_message)


# --- Contact persons and erasures --------------------------------------------------------


@admin.register(ContactPerson)
class ContactPersonAdmin(ServiceRefusalMixin, SafeAutocompleteMixin, SimpleHistoryAdmin):
    """Personal data. Besides editing: export everything about a person (JSON) and erase them;
    deleting a person is an erasure too, so no removed person stays in the history."""

    change_form_template = "admin/members/contactperson/change_form.html"
    list_display = ["name", "organisation", "role", "email", "phone", "is_primary"]
    list_filter = ["is_primary"]
    list_select_related = ["organisation"]
    search_fields = ["name", "email", "organisation__name"]
    search_help_text = _("Search by name, e-mail address or organisation.")
    autocomplete_fields = ["organisation"]
    readonly_fields = ["created_at"]

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/export/", view(self.export_view), name="members_contact_export"),
            path("<path:object_id>/erase/", view(self.erase_view), name="members_contact_erase"),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: ContactPerson, form: Any, change: bool) -> None:
        services.contact_person_save(contact=obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: ContactPerson) -> None:
        services.contact_erase(contact=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        services.contacts_erase(contacts=queryset, by=request.user)

    def export_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        contact = get_object_or_404(ContactPerson, pk=object_id)
        if not self.has_view_permission(request, contact):
            raise PermissionDenied
        response = JsonResponse(
            services.contact_export(contact=contact),
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
        response["Content-Disposition"] = f'attachment; filename="contactpersoon-{contact.pk}.json"'
        return response

    def erase_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        contact = get_object_or_404(
            ContactPerson.objects.select_related("organisation"), pk=object_id
        )
        if not self.has_delete_permission(request, contact):
            raise PermissionDenied
        if request.method == "POST":
            erasure = services.contact_erase(contact=contact, by=request.user)
            self.message_user(
                request,
                ngettext(
                    "The contact person was erased; %(count)d history record was redacted.",
                    "The contact person was erased; %(count)d history records were redacted.",
                    erasure.history_rows_redacted,
                )
                % {"count": erasure.history_rows_redacted},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:members_memberorganisation_change", args=[contact.organisation_id])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase contact person"),
            "opts": self.model._meta,
            "object": contact,
            "history_count": ContactPerson.history.filter(id=contact.pk).count(),
        }
        return TemplateResponse(request, "admin/members/contactperson/erase.html", context)


@admin.register(ContactErasure)
class ContactErasureAdmin(ReadOnlyAdmin):
    """The record that erasures took place; it holds no personal data of the erased person."""

    list_display = ["erased_at", "contact_id", "organisation", "erased_by", "history_rows_redacted"]
    list_select_related = ["organisation", "erased_by"]
    date_hierarchy = "erased_at"


@admin.register(MemberImportJob)
class MemberImportJobAdmin(ReadOnlyAdmin):
    """Who imported which file when, and how it ended: for LSA staff to look at, never to edit.
    The report (it names contact persons) stays on the job's own page, for whoever started it."""

    list_display = ["created_at", "filename", "user", "status", "done", "total", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = ["filename", "user", "status", "done", "total", "message", "created_at", "updated_at"]
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: MemberImportJob | None = None) -> bool:
        return can_administer_members(request.user)
