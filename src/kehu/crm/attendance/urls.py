"""Two lists of pages. ``event_pages`` are the staff pages of an event's participants,
booths and door: they join the ``events`` namespace (``AttendanceConfig.extends_urls``)
and live under /events/<id>/. ``urlpatterns`` (namespace ``attendance``, under /e/) are
the public pages: registration and the badge."""

from django.urls import path

from kehu.crm.attendance import (
    booth_views,
    checkin_views,
    exhibitors,
    public_views,
    results_views,
    survey,
    views,
)

event_pages = [
    path("<int:pk>/participants/", views.participant_list, name="participants"),
    path("<int:pk>/participants/export.csv", views.participant_export, name="participant_export"),
    path("<int:pk>/participants/new/", views.participant_add, name="participant_add"),
    path(
        "<int:pk>/participants/<int:participant_pk>/",
        views.participant_detail,
        name="participant",
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/status/",
        views.participant_status,
        name="participant_status",
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/badge/",
        views.participant_badge,
        name="participant_badge",
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/conversation/",
        views.participant_conversation,
        name="participant_conversation",
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/make-customer/",
        views.participant_make_customer,
        name="participant_make_customer",
    ),
    path("<int:pk>/invitations/", views.invitations, name="invitations"),
    path("<int:pk>/booths/", booth_views.booth_list, name="booths"),
    path("<int:pk>/booths/<int:booth_pk>/", booth_views.booth_action, name="booth_action"),
    path("<int:pk>/check-in/", checkin_views.checkin, name="checkin"),
    # after the event and across events (results_views, exhibitors)
    path("<int:pk>/results/", results_views.event_results, name="results"),
    path("<int:pk>/results/costs/", results_views.cost_add, name="results_cost_add"),
    path(
        "<int:pk>/results/costs/<int:cost_pk>/delete/",
        results_views.cost_delete,
        name="results_cost_delete",
    ),
    path("<int:pk>/results/follow-up/", results_views.follow_up, name="results_follow_up"),
    path("<int:pk>/results/<slug:what>/", results_views.results_list, name="results_list"),
    path("exhibitors/", exhibitors.exhibitors, name="exhibitors"),
]

app_name = "attendance"
urlpatterns = [
    path("survey/<str:token>/", survey.survey, name="survey"),
    # an event's slug may hold Chinese characters, which Django's slug converter refuses
    path("<str:slug>/", public_views.register, name="register"),
    path("<str:slug>/badge/<str:code>/", public_views.badge, name="badge"),
]
