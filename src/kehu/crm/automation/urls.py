"""Pages of the automation app: rules, their runs, and each user's notifications."""

from django.urls import URLPattern, URLResolver, path

from kehu.crm.automation import views

app_name = "automation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.rule_list, name="rules"),
    path("new/", views.rule_create, name="rule_create"),
    path("<int:pk>/", views.rule_detail, name="rule"),
    path("<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("<int:pk>/enabled/", views.rule_enable, name="rule_enable"),
    path("<int:pk>/dry-run/", views.rule_dry_run, name="rule_dry_run"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
