"""The group "LSA-medewerkers": the staff who administer members. Membership of this group (or
superuser) is what lets a staff account reach member data in /beheer/ (docs/members.md)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "LSA-medewerkers"
# Full rights on the member data itself; the history and the erasure records only to read.
MANAGED = ["memberorganisation", "contactperson", "membership", "dues"]
READ_ONLY = [
    "historicalmemberorganisation",
    "historicalmemberorganisation_initiatives",
    "historicalcontactperson",
    "historicalmembership",
    "historicaldues",
    "contacterasure",
]


def _codenames() -> list[str]:
    actions = ["view", "add", "change", "delete"]
    return [f"{action}_{model}" for model in MANAGED for action in actions] + [
        f"view_{model}" for model in READ_ONLY
    ]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; this one needs them now. The
    # migration state's app config has no models module, which create_permissions checks for.
    app_config = apps.get_app_config("members")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = _codenames()
    permissions = list(
        Permission.objects.filter(content_type__app_label="members", codename__in=wanted)
    )
    if len(permissions) != len(wanted):
        missing = set(wanted) - {p.codename for p in permissions}
        raise RuntimeError(f"members permissions missing: {sorted(missing)}")
    group.permissions.add(*permissions)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
