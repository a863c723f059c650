from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Exchange (beurs)")

    def ready(self) -> None:
        # The profile (impact.views, below exchange in the layers) reads the contributions
        # received through these hooks.
        from exchange.selectors import contributions_of, with_contributions
        from initiatives import hooks

        hooks.with_contributions.register(with_contributions)
        hooks.contributions_of.register(contributions_of)
