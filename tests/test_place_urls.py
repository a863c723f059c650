"""places.models.place_url: reverse() kept per process, keyed by what its answer depends on."""

from django.urls import clear_script_prefix, reverse, set_script_prefix

from places.models import District, Municipality, Neighbourhood, Province, place_url


def test_the_same_addresses_as_reverse() -> None:
    assert Province(code="PV27").get_absolute_url() == reverse("province_detail", args=["PV27"])
    assert Municipality(code="GM0363").get_absolute_url() == reverse(
        "municipality_detail", args=["GM0363"]
    )
    wijk = District(code="WK036300", municipality_id="GM0363")
    assert wijk.get_absolute_url() == reverse("district_detail", args=["GM0363", "WK036300"])
    buurt = Neighbourhood(code="BU03630000", district=wijk)
    assert buurt.get_absolute_url() == reverse(
        "neighbourhood_detail", args=["GM0363", "WK036300", "BU03630000"]
    )


def test_a_script_prefix_is_part_of_the_key() -> None:
    plain = place_url("municipality_detail", "GM0363")
    set_script_prefix("/buurtbeurs/")
    try:
        prefixed = place_url("municipality_detail", "GM0363")
        assert prefixed == reverse("municipality_detail", args=["GM0363"])
        assert prefixed == "/buurtbeurs" + plain
    finally:
        clear_script_prefix()
    assert place_url("municipality_detail", "GM0363") == plain
