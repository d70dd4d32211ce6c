from django.urls import path

from kehu.crm.intelligence import views

app_name = "intelligence"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/customers.csv", views.run_export, name="run_export"),
    path("schedule/", views.schedule_save, name="schedule"),
    path("segments/", views.segment_list, name="segments"),
    path("segments/<int:key>/", views.segment_detail, name="segment"),
]
