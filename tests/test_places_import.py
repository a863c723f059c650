from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from places.demo import (
    RealNeighbourhoodsLoaded,
    demo_neighbourhoods_generate,
    demo_neighbourhoods_remove,
)
from places.models import District, Municipality, Neighbourhood, Province
from places.services import PlaceFileError, bundled_paths, places_import
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def _edition(tmp_path: Path, *, districts_edit=None, municipalities_edit=None) -> dict:
    """A copy of the bundled edition with the given text edits applied."""
    paths = {}
    for level, source in bundled_paths().items():
        text = source.read_text(encoding="utf-8")
        edit = {"districts": districts_edit, "municipalities": municipalities_edit}.get(level)
        if edit:
            text = edit(text)
        target = tmp_path / source.name
        target.write_text(text, encoding="utf-8")
        paths[level] = target
    return paths


def _snapshot() -> tuple:
    return (
        sorted(Province.objects.values_list("code", "name", "is_active")),
        sorted(Municipality.objects.values_list("code", "name", "is_active")),
        sorted(District.objects.values_list("code", "name", "municipality_id", "is_active")),
    )


def test_bundled_edition_loads_the_whole_country(cbs_places):
    assert Province.objects.count() == 12
    assert Municipality.objects.count() == 342
    assert District.objects.count() == 3393
    assert cbs_places.levels["districts"].created == 3393
    amsterdam_centrum = District.objects.get(code="WK0363AA")
    assert amsterdam_centrum.municipality_id == "GM0363"
    assert Municipality.objects.get(code="GM0518").name == "'s-Gravenhage"
    assert Province.objects.get(code="PV21").name == "Fryslân"


def test_second_import_changes_nothing(cbs_places):
    before = _snapshot()
    report = places_import(paths=bundled_paths(), edition="2024")
    assert {level: r.unchanged for level, r in report.levels.items()} == {
        "provinces": 12,
        "municipalities": 342,
        "districts": 3393,
    }
    assert all(r.created == r.updated == 0 for r in report.levels.values())
    assert _snapshot() == before


@pytest.mark.slow
def test_newer_edition_renames_and_deactivates_without_deleting(cbs_places, tmp_path):
    # Given an initiative in a wijk that the next edition drops
    vanishing = District.objects.get(code="WK001401")
    InitiativeFactory(municipality=vanishing.municipality, district=vanishing)

    def edit_districts(text: str) -> str:
        lines = text.splitlines()
        kept = [line for line in lines if not line.startswith("WK001401,")]
        return "\n".join(kept).replace("WK001400,Centrum,", "WK001400,Binnenstad,") + "\n"

    def edit_municipalities(text: str) -> str:
        # Groningen now declares 19 wijken instead of 20.
        return text.replace(
            "GM0014,Groningen,PV20,Groningen,243768,124258,18553,20",
            "GM0014,Groningen,PV20,Groningen,243768,124258,18553,19",
        )

    paths = _edition(
        tmp_path, districts_edit=edit_districts, municipalities_edit=edit_municipalities
    )
    # When the newer edition is imported
    report = places_import(paths=paths, edition="2025")
    # Then the rename is applied, the vanished code stays but is inactive and reported
    assert District.objects.get(code="WK001400").name == "Binnenstad"
    vanishing.refresh_from_db()
    assert vanishing.is_active is False
    assert report.levels["districts"].deactivated == ["WK001401"]
    assert report.levels["districts"].updated == 3392
    assert [(r.code, r.referenced_by, r.count) for r in report.inactive_references] == [
        ("WK001401", "initiatives.Initiative", 1)
    ]


def test_a_code_that_returns_is_reactivated(cbs_places):
    District.objects.filter(code="WK001401").update(is_active=False)
    report = places_import(paths=bundled_paths(), edition="2024")
    assert report.levels["districts"].reactivated == ["WK001401"]
    assert District.objects.get(code="WK001401").is_active


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("WK001402,Oud-West", "WK01402,Oud-West"), "line 4"),
        (lambda t: t.replace("WK001403,Oud-Noord,GM0014", "WK001403,Oud-Noord,GM9999"), "GM9999"),
        (
            lambda t: t.replace(
                "WK001403,Oud-Noord,GM0014,Groningen,19120", "WK001403,,GM0014,Groningen,19120"
            ),
            "has no name",
        ),
        (lambda t: t.replace("Groningen,19120,", "Groningen,veel,"), "not a whole number"),
        (
            lambda t: t.replace(
                "WK001403,Oud-Noord,GM0014,Groningen,19120,10835,178", "WK001403,Oud-Noord"
            ),
            "columns",
        ),
        (lambda t: t.replace("WK001403,", "WK001402,"), "appears twice"),
        (lambda t: "\n".join(t.splitlines()[:2000]) + "\n", "incomplete file"),
        (lambda t: t.replace("wijkcode,", "code,"), "missing column"),
    ],
    ids=[
        "bad-code",
        "unknown-parent",
        "no-name",
        "bad-number",
        "short-row",
        "duplicate",
        "truncated",
        "bad-header",
    ],
)
def test_bad_file_reports_where_and_why_and_changes_nothing(cbs_places, tmp_path, edit, expected):
    District.objects.filter(code="WK001401").update(name="Handmatig")
    before = _snapshot()
    paths = _edition(tmp_path, districts_edit=edit)
    with pytest.raises(PlaceFileError) as error:
        places_import(paths=paths, edition="2025")
    assert expected in str(error.value)
    assert _snapshot() == before


def test_command_prints_what_it_did(capsys):
    call_command("import_places")
    out = capsys.readouterr().out
    assert "districts: 3393 created, 0 updated, 0 unchanged, 0 deactivated" in out
    call_command("import_places")
    assert "districts: 0 created, 0 updated, 3393 unchanged" in capsys.readouterr().out


def test_command_refuses_a_bad_file_in_one_line(tmp_path, cbs_places):
    bad = tmp_path / "wijken.csv"
    bad.write_text("wijkcode,wijknaam,gemeentecode\nWK12,Noord,GM0014\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_places", districts=bad)
    assert str(error.value) == (
        "Nothing imported. wijken.csv, line 2: “WK12” is geen geldige CBS-code: een wijkcode is "
        "WK gevolgd door 4 cijfers en dan 2 cijfers of 2 letters, bijvoorbeeld WK036301 of "
        "WK0363AA."
    )


def test_dry_run_saves_nothing(capsys):
    call_command("import_places", dry_run=True)
    assert "Dry run" in capsys.readouterr().out
    assert Province.objects.count() == 0


def test_neighbourhood_file_is_imported_below_its_wijken(cbs_places, tmp_path):
    buurten = tmp_path / "buurten.csv"
    buurten.write_text(
        "buurtcode,buurtnaam,wijkcode,inwoners\n"
        "BU00140000,Binnenstad-Zuid,WK001400,3200\n"
        "BU0363AA01,Kop Zeedijk,WK0363AA,\n",
        encoding="utf-8",
    )
    report = places_import(paths={**bundled_paths(), "neighbourhoods": buurten}, edition="2024")
    assert report.levels["neighbourhoods"].created == 2
    assert Neighbourhood.objects.get(code="BU0363AA01").district_id == "WK0363AA"
    assert Neighbourhood.objects.get(code="BU00140000").population == 3200


@pytest.mark.slow  # seeds the whole demo
def test_synthetic_buurten_are_labelled_and_never_mixed_with_real_ones(cbs_places, tmp_path):
    made = demo_neighbourhoods_generate(per_district=2)
    assert made == 2 * 3393
    sample = Neighbourhood.objects.get(code="BU0363AA01")
    assert sample.is_synthetic and sample.name.endswith("(demo)")
    # A real import that collides with the demo layer is refused, whole.
    buurten = tmp_path / "buurten.csv"
    buurten.write_text("buurtcode,buurtnaam,wijkcode\nBU0363AA01,Echt,WK0363AA\n")
    with pytest.raises(PlaceFileError, match="synthetic demo buurt"):
        places_import(paths={**bundled_paths(), "neighbourhoods": buurten}, edition="2024")
    assert Neighbourhood.objects.get(code="BU0363AA01").name.endswith("(demo)")
    # After removing the demo layer the real buurt loads, and no demo layer can join it.
    assert demo_neighbourhoods_remove() == 2 * 3393
    places_import(paths={**bundled_paths(), "neighbourhoods": buurten}, edition="2024")
    with pytest.raises(RealNeighbourhoodsLoaded):
        demo_neighbourhoods_generate()


@pytest.mark.slow  # seeds the whole demo
def test_demo_generation_is_idempotent(cbs_places):
    first = demo_neighbourhoods_generate(per_district=3)
    assert demo_neighbourhoods_generate(per_district=3) == 0
    assert Neighbourhood.objects.count() == first
