"""LSA staff import and export of member data, included at /beheer/members/ (before the admin).

/beheer/members/import/                        upload; export links
/beheer/members/import/voorbeeld.<csv|xlsx>    an empty file with the import's columns
/beheer/members/import/<job>/                  progress and report of an import
/beheer/members/import/<job>/toepassen/        POST: apply the checked import
/beheer/members/export/<leden|contactpersonen|contributies>.<csv|xlsx>
"""

from django.urls import path

from members import import_views

urlpatterns = [
    path("import/", import_views.import_start, name="members_import"),
    path(
        "import/voorbeeld.<str:fmt>", import_views.import_template, name="members_import_template"
    ),
    path("import/<uuid:job_id>/", import_views.import_job, name="members_import_job"),
    path("import/<uuid:job_id>/toepassen/", import_views.import_apply, name="members_import_apply"),
    path("export/<str:name>.<str:fmt>", import_views.export, name="members_export"),
]
