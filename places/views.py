from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from places.models import Municipality, Province
from places.selectors import districts_of, municipalities_of


def province_detail(request: HttpRequest, code: str) -> HttpResponse:
    province = get_object_or_404(Province, code=code.upper())
    return render(
        request,
        "places/province_detail.html",
        {"province": province, "municipalities": municipalities_of(province)},
    )


def municipality_detail(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(
        Municipality.objects.select_related("province"), code=code.upper()
    )
    return render(
        request,
        "places/municipality_detail.html",
        {"municipality": municipality, "districts": districts_of(municipality)},
    )
