from django.urls import path, re_path

from initiatives import views

# The profile (`initiative_detail`) and the activity page (`initiative_activity`) are in
# impact/urls.py: they show or feed the handprint (impact/views.py says why).
urlpatterns = [
    path("initiatieven/", views.initiative_list, name="initiative_list"),
    re_path(
        r"^initiatieven/export\.(?P<fmt>csv|xlsx)$",
        views.initiative_export,
        name="initiative_export",
    ),
    path("initiatieven/nieuw/", views.initiative_create, name="initiative_create"),
    path("initiatieven/<slug:slug>/bewerken/", views.initiative_edit, name="initiative_edit"),
    path("initiatieven/<slug:slug>/indienen/", views.initiative_submit, name="initiative_submit"),
    path(
        "initiatieven/<slug:slug>/archiveren/", views.initiative_archive, name="initiative_archive"
    ),
    path("initiatieven/<slug:slug>/vragen/nieuw/", views.need_create, name="need_create"),
    path("initiatieven/<slug:slug>/vragen/<int:pk>/sluiten/", views.need_close, name="need_close"),
    path("initiatieven/<slug:slug>/vragen/<int:pk>/helpen/", views.help_offer, name="help_offer"),
    path("initiatieven/<slug:slug>/eigenaren/", views.owner_invite, name="owner_invite"),
    path("initiatieven/<slug:slug>/fotos/", views.photo_upload, name="photo_upload"),
    path(
        "initiatieven/<slug:slug>/fotos/<int:pk>/verwijderen/",
        views.photo_delete,
        name="photo_delete",
    ),
    path(
        "initiatieven/<slug:slug>/herinneringen/",
        views.report_reminders_set,
        name="report_reminders_set",
    ),
    path(
        "herinneringen/uit/<str:token>/",
        views.report_reminders_optout,
        name="report_reminders_optout",
    ),
    path("mijn/", views.mine, name="mine"),
    path(
        "mijn/uitnodiging/<str:token>/",
        views.owner_invitation_accept,
        name="owner_invitation_accept",
    ),
    path("moderatie/", views.moderation, name="moderation_queue"),
    path("moderatie/<slug:slug>/<str:action>/", views.moderate, name="moderate"),
]
