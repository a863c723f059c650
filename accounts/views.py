"""A user's own account in /mijn/: personal API tokens (list, create — the key is shown once —,
revoke). Their personal data (AVG) is the privacy layer's: `privacy/views.py`."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.api_auth import api_token_create, api_token_revoke
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
