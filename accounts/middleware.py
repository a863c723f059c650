"""Two-factor authentication for the accounts that see personal data."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from accounts.permissions import must_set_up_second_factor


class MfaRequiredMiddleware:
    """Sends staff and officers without an authenticator to set one up, from every page but
    the two-factor pages themselves, logging out, e-mail verification and static files.

    The admin's own login form is replaced by the site's (allauth), which asks for the second
    factor: otherwise /beheer/login/ would let a staff member in with the password alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    # Resolved once per process, not on every request: the URLconf does not change at run time.
    @cached_property
    def _admin_login(self) -> str:
        return reverse("admin:login")

    @cached_property
    def _exempt_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("mfa_index"),
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("account_email"),
            "/accounts/confirm-email/",
            reverse("admin:logout"),
            reverse("set_language"),
            *(reverse("language_switch", args=[code]) for code, _name in settings.LANGUAGES),
            "/health/",
            settings.STATIC_URL,
            settings.MEDIA_URL,
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == self._admin_login:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(reverse("account_login") + (f"?{query}" if query else ""))
        # The setting first: when two factors are not required, no path or user is looked at.
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and not request.path.startswith(self._exempt_prefixes)
            and must_set_up_second_factor(request.user)
        ):
            messages.warning(
                request,
                _(
                    "Your account gives access to personal data: set up two-factor "
                    "authentication first."
                ),
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
