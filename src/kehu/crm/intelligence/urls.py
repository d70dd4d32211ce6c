from django.urls import path

from kehu.crm.intelligence import segment_views, views

app_name = "intelligence"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/customers.csv", views.run_export, name="run_export"),
    path("schedule/", views.schedule_save, name="schedule"),
    path("segments/", segment_views.segment_list, name="segments"),
    path("segments/<int:key>/", segment_views.segment_detail, name="segment"),
    path("segments/<int:key>/rename/", segment_views.segment_rename, name="segment_rename"),
    path("segments/<int:key>/members.csv", segment_views.segment_export, name="segment_export"),
    path(
        "segments/<int:key>/follow-ups/",
        segment_views.segment_follow_ups,
        name="segment_follow_ups",
    ),
]
