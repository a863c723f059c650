from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding rounds")

    def ready(self) -> None:
        # The profile (impact.views, below funding in the layers) reads awards by this hook.
        from funding.selectors import awards_of, with_awards
        from initiatives import hooks

        hooks.with_awards.register(with_awards)
        hooks.awards_of.register(awards_of)
