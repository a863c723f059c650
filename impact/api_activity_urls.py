"""The monthly activity and the declared activities of the API (included by config/api_urls.py).

The questions' route comes before the month's: `questions` would otherwise be read as a month.
"""

from django.urls import path

from impact import api_activity

urlpatterns = [
    path(
        "initiatives/<slug:slug>/activity/",
        api_activity.ActivityListView.as_view(),
        name="api_initiative_activity",
    ),
    path(
        "initiatives/<slug:slug>/activity/questions/",
        api_activity.ActivityQuestionsView.as_view(),
        name="api_initiative_activity_questions",
    ),
    path(
        "initiatives/<slug:slug>/activity/<str:month>/",
        api_activity.ActivityMonthView.as_view(),
        name="api_initiative_activity_month",
    ),
    path(
        "initiatives/<slug:slug>/activities/",
        api_activity.InitiativeActivitiesView.as_view(),
        name="api_initiative_activities",
    ),
]
