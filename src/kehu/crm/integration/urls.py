from django.urls import path

from kehu.crm.integration import duplicate_views, views

app_name = "integration"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("upload/<str:token>/", views.mapping, name="mapping"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("<int:pk>/quarantine.csv", views.quarantine_csv, name="quarantine"),
    path("duplicates/", duplicate_views.review_queue, name="duplicates"),
    path("duplicates/<int:pk>/", duplicate_views.decide, name="decide"),
    path("merges/", duplicate_views.merge_list, name="merges"),
    path("merges/<int:pk>/undo/", duplicate_views.undo, name="undo"),
]
