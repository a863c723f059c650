from django.contrib import admin

from common.admin_widgets import SafeAutocompleteMixin
from places.models import District, Municipality, Neighbourhood, Province


class PlaceAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    search_fields = ["code", "name"]
    list_filter = ["is_active", "edition"]
    readonly_fields = ["updated_at"]


@admin.register(Province)
class ProvinceAdmin(PlaceAdmin):
    list_display = ["code", "name", "population", "is_active", "edition"]


@admin.register(Municipality)
class MunicipalityAdmin(PlaceAdmin):
    list_display = ["code", "name", "province", "population", "is_active", "edition"]
    list_filter = ["province", *PlaceAdmin.list_filter]
    list_select_related = ["province"]


@admin.register(District)
class DistrictAdmin(PlaceAdmin):
    list_display = ["code", "name", "municipality", "population", "is_active", "edition"]
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(PlaceAdmin):
    list_display = ["code", "name", "district", "population", "is_synthetic", "is_active"]
    list_filter = ["is_synthetic", *PlaceAdmin.list_filter]
    list_select_related = ["district"]
    autocomplete_fields = ["district"]
