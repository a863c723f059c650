from django.urls import path

from members import views

urlpatterns = [
    path("leden/", views.member_list, name="member_list"),
    path("leden/<slug:slug>/", views.member_detail, name="member_detail"),
]
