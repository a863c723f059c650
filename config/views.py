"""Project-level pages that belong to no single app."""

import logging
import posixpath

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template import loader
from django.template.loader import select_template
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe
from django.views.static import serve

logger = logging.getLogger(__name__)

# Last resort when 500.html itself cannot be rendered (a broken template or URLconf).
SERVER_ERROR_FALLBACK = (
    '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
    "<title>Er ging iets mis · Buurtbeurs</title></head><body><main>"
    "<h1>Er ging iets mis</h1><p>Probeer het over een paar minuten opnieuw.</p>"
    '<p lang="en">Something went wrong. Please try again in a few minutes.</p>'
    '<p><a href="/">Buurtbeurs</a></p></main></body></html>'
)


def text_page(request: HttpRequest, name: str) -> HttpResponse:
    """Renders a long-form page written per language (pages/<name>.<lang>.html), Dutch fallback."""
    language = (get_language() or "nl")[:2]
    template = select_template([f"pages/{name}.{language}.html", f"pages/{name}.nl.html"])
    return render(request, template.template.name)


@require_safe
def language_switch(request: HttpRequest, code: str) -> HttpResponse:
    """Sets the language cookie and sends the visitor back to the page they were on.

    A plain GET link, unlike Django's set_language (a POST form with a CSRF token): the
    switch is in the header of every page, and a page that carries a CSRF token is personal
    and cannot be served from a shared cache (issue 19). Choosing a language changes nothing
    but the visitor's own cookie, so a forged link can do no harm a CSRF token would prevent.
    `next` is followed only to this host (never an open redirect); otherwise the home page.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    # The same cookie set_language sets, so either way of switching gives the same result.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    # A response that sets a cookie is this visitor's alone: no browser or proxy keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


# The upload_to folders of photos. Nothing else under MEDIA_ROOT is served: a file put there by
# mistake (or an import file of an older release, see `manage.py move_import_files`) stays private.
PUBLIC_MEDIA_FOLDERS = ("initiatives/", "members/")


def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Serves uploaded photos; never as HTML or script, whatever a file's name says."""
    # The same normalisation as serve() applies, so "initiatives/../x" cannot slip past.
    if not posixpath.normpath(path).lstrip("/").startswith(PUBLIC_MEDIA_FOLDERS):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Content-Disposition"] = "inline"
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 inside the site's layout; unlike Django's default it renders with the request.

    The request gives the layout its language links and log-in state; nothing about the
    exception reaches the page.
    """
    return HttpResponseBadRequest(loader.render_to_string("400.html", request=request))


def server_error(request: HttpRequest) -> HttpResponse:
    """500 rendered with an empty context: no request, no context processors, no database.

    500.html is a standalone page; should even that fail, a fixed bilingual page is served.
    """
    try:
        html = loader.get_template("500.html").render()
    except Exception:
        logger.exception("500.html could not be rendered")
        html = SERVER_ERROR_FALLBACK
    return HttpResponseServerError(html)
