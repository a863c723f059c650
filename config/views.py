"""Project-level pages that belong to no single app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import select_template
from django.utils.translation import get_language
from django.views.static import serve


def text_page(request: HttpRequest, name: str) -> HttpResponse:
    """Renders a long-form page written per language (pages/<name>.<lang>.html), Dutch fallback."""
    language = (get_language() or "nl")[:2]
    template = select_template([f"pages/{name}.{language}.html", f"pages/{name}.nl.html"])
    return render(request, template.template.name)


def media_serve(request: HttpRequest, path: str, document_root: str) -> HttpResponse:
    """Serves uploaded media; never as HTML or script, whatever a file's name says."""
    response = serve(request, path, document_root=document_root)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Content-Disposition"] = "inline"
    return response
