"""A user's personal data (AVG) in /mijn/: download everything, or delete the account."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.models import User
from common.forms import AccessibleForm
from privacy.services import person_erase, person_erase_refused, person_export


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/my_data.html",
        {"delete_refused": person_erase_refused(request.user)},
    )


@never_cache
@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    data = person_export(user=request.user)
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
    refused = person_erase_refused(request.user)
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and refused is None and form.is_valid():
        try:
            person_erase(user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(request, _("Your account and your personal data have been deleted."))
            return redirect("home")
    return render(
        request,
        "privacy/account_delete.html",
        {"form": form, "refused": refused},
        status=400 if form.is_bound and (form.errors or refused) else 200,
    )
