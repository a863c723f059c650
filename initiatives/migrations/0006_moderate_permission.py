"""The permission to moderate initiatives and see their contact details, for the LSA staff group.

Moderation followed `is_staff` before: any staff account saw every draft and contact. Now it
follows this permission, held through the group "LSA-medewerkers" (which members/0002 also
creates; whichever runs first creates it).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "LSA-medewerkers"
CODENAME = "moderate_initiative"


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; this one is needed now. The
    # migration state's app config has no models module, which create_permissions checks for.
    app_config = apps.get_app_config("initiatives")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="initiatives", codename=CODENAME)
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="initiatives", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0005_free_text_max_length"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="initiative",
            options={
                "ordering": ["name"],
                "permissions": [
                    (
                        "moderate_initiative",
                        "Can moderate initiatives and see their contact details",
                    )
                ],
                "verbose_name": "initiative",
                "verbose_name_plural": "initiatives",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
