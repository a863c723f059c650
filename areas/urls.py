"""Area pages (Dutch paths): province, gemeente, wijk and buurt, and the table exports.

The export of an area's sub-area table is a sibling address: `…/export.csv` or
`…/export.xlsx`, with the page's `?sort=` if wanted. A buurt has no sub-areas, so no export.
"""

from django.urls import path

from areas import views

GM = "gemeenten/<str:municipality>"
WK = f"{GM}/wijken/<str:district>"

urlpatterns = [
    path(
        "provincies/<str:code>/", views.area_detail, {"level": "province"}, name="province_detail"
    ),
    path(
        "provincies/<str:code>/export.<str:fmt>",
        views.area_export,
        {"level": "province"},
        name="province_export",
    ),
    path(
        "gemeenten/<str:code>/",
        views.area_detail,
        {"level": "municipality"},
        name="municipality_detail",
    ),
    path(
        "gemeenten/<str:code>/export.<str:fmt>",
        views.area_export,
        {"level": "municipality"},
        name="municipality_export",
    ),
    path(
        f"{GM}/wijken/<str:code>/", views.area_detail, {"level": "district"}, name="district_detail"
    ),
    path(
        f"{GM}/wijken/<str:code>/export.<str:fmt>",
        views.area_export,
        {"level": "district"},
        name="district_export",
    ),
    path(
        f"{WK}/buurten/<str:code>/",
        views.area_detail,
        {"level": "neighbourhood"},
        name="neighbourhood_detail",
    ),
]
