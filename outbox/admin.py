from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox.models import OutgoingMail
from outbox.services import mail_retry


class SentFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("unsent", _("Waiting to be sent")), ("sent", _("Sent"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "unsent":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    # The list leaves the bodies out (personal data); staff who open one mail see its text,
    # unless it holds a secret link (password reset, confirmation, invitation): with that link
    # anyone with view rights could take over the account or the invitation.
    list_display = [
        "recipients",
        "subject",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
        "sensitive",
    ]
    list_filter = [SentFilter, "sensitive"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["retry_now"]
    fields = [
        "subject",
        "from_email",
        "recipients",
        "copies",
        "blind_copies",
        "reply_addresses",
        "headers",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sensitive",
        "purged_at",
        "body",
        "html_body",
    ]
    readonly_fields = ["recipients", "copies", "blind_copies", "reply_addresses", "text_hidden"]
    _TEXT_FIELDS = ("body", "html_body")

    def get_fields(self, request: HttpRequest, obj: OutgoingMail | None = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.sensitive:
            fields = [field for field in fields if field not in self._TEXT_FIELDS]
            fields.append("text_hidden")
        return fields

    # The queue is written by the mail backend and the worker only: staff look and retry.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutgoingMail | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutgoingMail | None = None) -> bool:
        return False

    @admin.display(description=_("to"))
    def recipients(self, mail: OutgoingMail) -> str:
        return ", ".join(mail.to)

    @admin.display(description=_("cc"))
    def copies(self, mail: OutgoingMail) -> str:
        return ", ".join(mail.cc)

    @admin.display(description=_("bcc"))
    def blind_copies(self, mail: OutgoingMail) -> str:
        return ", ".join(mail.bcc)

    @admin.display(description=_("reply to"))
    def reply_addresses(self, mail: OutgoingMail) -> str:
        return ", ".join(mail.reply_to)

    @admin.display(description=_("text"))
    def text_hidden(self, mail: OutgoingMail) -> str:
        return _("Not shown: this mail holds a secret link.")

    @admin.action(description=_("Retry sending now"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        unsent = list(queryset.filter(sent_at__isnull=True).values_list("pk", flat=True))
        sent = mail_retry(mail_ids=unsent)
        self.message_user(
            request,
            ngettext(
                "%(sent)d of %(total)d unsent mail sent.",
                "%(sent)d of %(total)d unsent mails sent.",
                len(unsent),
            )
            % {"sent": sent, "total": len(unsent)},
            messages.SUCCESS if sent == len(unsent) else messages.WARNING,
        )
