"""A user's own account in /mijn/: personal API tokens (list, create — the key is shown once —,
revoke), and their personal data (AVG): download everything, or delete the account."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.api_auth import api_token_create, api_token_revoke
from accounts.models import User
from accounts.services import account_can_delete, account_delete, account_export
from common.forms import AccessibleForm


class ApiTokenForm(AccessibleForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. 'Gemeente dashboard'."),
    )


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    # The new key is only ever in this one response: never stored, never redirected to.
    new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "new_key": new_key, "tokens": request.user.api_tokens.all()},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@login_required
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    if not api_token_revoke(user=request.user, token_id=token_id):
        raise Http404
    messages.success(request, _("The token is revoked; clients that use it are refused now."))
    return redirect("api_tokens")


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_data.html",
        {"delete_refused": account_can_delete(request.user)},
    )


@never_cache
@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    data = account_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"buurtbeurs-gegevens-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AccountDeleteForm(AccessibleForm):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("To make sure it is you."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that my account and my personal data are deleted for good."
        ),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(gettext_lazy("This is not your password."), code="password")
        return password


@never_cache
@login_required
def account_delete_view(request: HttpRequest) -> HttpResponse:
    refused = account_can_delete(request.user)
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and refused is None and form.is_valid():
        try:
            account_delete(user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(request, _("Your account and your personal data have been deleted."))
            return redirect("home")
    return render(
        request,
        "accounts/account_delete.html",
        {"form": form, "refused": refused},
        status=400 if form.is_bound and (form.errors or refused) else 200,
    )
