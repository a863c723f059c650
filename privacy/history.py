"""Parts of a person's data that no single app holds: the change history of every model that
keeps one (django-simple-history), Django's admin log and the sessions. Found through the app
registry, so a new history table is covered without anyone listing it."""

from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import models
from simple_history.models import HistoricalChanges

from accounts.models import User
from common.personal_data import PersonalDataPart, iso, redact_text, text_fields

_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_models() -> list[type[models.Model]]:
    """Every django-simple-history table (the audit trail of the models that keep one)."""
    return [model for model in apps.get_models() if issubclass(model, HistoricalChanges)]


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


def _change_history_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    history = []
    for model in _history_models():
        if not _has_field(model, "history_user"):
            continue
        for row in model.objects.filter(history_user=user).order_by("history_date", "pk"):
            history.append(
                {
                    "table": model._meta.label,
                    "object_id": getattr(row, "id", None),
                    "object": str(row.instance) if hasattr(row, "instance") else None,
                    "changed_at": iso(row.history_date),
                    "change": _HISTORY_TYPES.get(row.history_type, row.history_type),
                    "reason": row.history_change_reason or "",
                }
            )
    return history


def _change_history_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    """Rows of every history table: the user no longer named as who made a change, and their
    address or name replaced wherever the recorded data contain it."""
    for model in _history_models():
        if _has_field(model, "history_user"):
            counts["history_rows_unnamed"] += model.objects.filter(history_user=user).update(
                history_user=None
            )
        counts["history_rows_redacted"] += redact_text(model, text_fields(model), needles)


def _admin_log_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    # The user's own entries go with the account (cascade); others' entries about them stay,
    # without the name and addresses.
    counts["admin_log_entries_redacted"] += redact_text(
        LogEntry, ["object_repr", "change_message"], needles
    )


def _sessions_erase(
    user: User, addresses: list[str], needles: list[str], counts: dict[str, int]
) -> None:
    """The user's sessions (stored in the database): logged out everywhere."""
    ids = [
        session.pk
        for session in Session.objects.iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    counts["sessions_deleted"] += Session.objects.filter(pk__in=ids).delete()[0]


CHANGE_HISTORY = PersonalDataPart(
    key="change_history",
    app="privacy",
    export=_change_history_export,
    erase=_change_history_erase,
    counts=("history_rows_unnamed", "history_rows_redacted"),
)
ADMIN_LOG = PersonalDataPart(
    key="admin_log", app="privacy", erase=_admin_log_erase, counts=("admin_log_entries_redacted",)
)
SESSIONS = PersonalDataPart(
    key="sessions", app="privacy", erase=_sessions_erase, counts=("sessions_deleted",)
)
