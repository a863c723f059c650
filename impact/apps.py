from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = _("Impact")

    def ready(self) -> None:
        # initiatives is below impact in the layers: it reaches impact only through these hooks.
        from impact.exports import handprint_export_columns
        from impact.selectors import (
            with_declares_activities,
            with_handprint_for_export,
            with_hours_last_12_months,
        )
        from impact.services import initiative_changed
        from initiatives import hooks

        hooks.initiative_changed.register(initiative_changed)
        hooks.with_hours_last_12_months.register(with_hours_last_12_months)
        hooks.with_declares_activities.register(with_declares_activities)
        hooks.with_handprint_for_export.register(with_handprint_for_export)
        hooks.handprint_export_columns.register(handprint_export_columns)
