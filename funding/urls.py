from django.urls import path

from funding import views

urlpatterns = [
    path("regelingen/", views.rounds, name="funding_rounds"),
]
