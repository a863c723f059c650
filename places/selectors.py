"""Reads of the CBS geography."""

import re

from places import validators
from places.models import District, Municipality, Neighbourhood, Place, Province

# The URL parts of each level, top-down, with the code pattern each must match.
AREA_PATH = {
    "province": (("code", validators.PROVINCE_CODE_RE),),
    "municipality": (("code", validators.MUNICIPALITY_CODE_RE),),
    "district": (
        ("municipality", validators.MUNICIPALITY_CODE_RE),
        ("code", validators.DISTRICT_CODE_RE),
    ),
    "neighbourhood": (
        ("municipality", validators.MUNICIPALITY_CODE_RE),
        ("district", validators.DISTRICT_CODE_RE),
        ("code", validators.NEIGHBOURHOOD_CODE_RE),
    ),
}


def area_for_page(level: str, codes: dict[str, str]) -> Place | None:
    """The place of `level` named by its code and its parents' codes, with its parents loaded.

    None when a code is malformed or unknown, or a parent code is not its parent (a wijk of
    another gemeente). Codes must already be upper case. One query, none for malformed codes.
    """
    for name, pattern in AREA_PATH[level]:
        if not re.fullmatch(pattern, codes.get(name, "")):
            return None
    if level == "province":
        queryset = Province.objects.filter(code=codes["code"])
    elif level == "municipality":
        queryset = Municipality.objects.select_related("province").filter(code=codes["code"])
    elif level == "district":
        queryset = District.objects.select_related("municipality__province").filter(
            code=codes["code"], municipality_id=codes["municipality"]
        )
    else:
        queryset = Neighbourhood.objects.select_related("district__municipality__province").filter(
            code=codes["code"],
            district_id=codes["district"],
            district__municipality_id=codes["municipality"],
        )
    return queryset.first()


def area_ancestors(area: Place) -> list[Place]:
    """The places above `area`, top-down, as loaded by `area_for_page` (no query)."""
    if isinstance(area, Neighbourhood):
        municipality = area.district.municipality
        return [municipality.province, municipality, area.district]
    if isinstance(area, District):
        return [area.municipality.province, area.municipality]
    if isinstance(area, Municipality):
        return [area.province]
    return []
