"""LSA staff (the group "LSA-medewerkers") approve, refuse and suspend partners and read the
exchange in /beheer/ (issue #22). Partner staff keep their own partner in their own pages and
are never staff by their grant."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "LSA-medewerkers"
CODENAMES = [
    "moderate_partner",
    *(
        f"{action}_{model}"
        for model in ("partner", "partnerstaff")
        for action in ("change", "view")
    ),
    "add_partnerstaff",
    "delete_partnerstaff",
    "view_offer",
    "change_offer",
    "view_match",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; these are needed now (see
    # initiatives/0006 for why models_module is set).
    app_config = apps.get_app_config("exchange")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="exchange", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="exchange", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
