"""Pages of the marketing app: what recipients reach from a message (no sign-in) and
the campaign screens."""

from django.urls import URLPattern, URLResolver, path

from kehu.crm.marketing import target_views, tracking, views

app_name = "marketing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("t/o/<str:token>/", tracking.open_pixel, name="open"),
    path("t/c/<str:token>/", tracking.click, name="click"),
    path("u/<str:token>/", tracking.unsubscribe, name="unsubscribe"),
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/progress/", views.campaign_progress, name="campaign_progress"),
    path("<int:pk>/enrol/", views.campaign_enrol, name="campaign_enrol"),
    path("<int:pk>/send/", views.campaign_send, name="campaign_send"),
    path("<int:pk>/cancel/", views.campaign_cancel, name="campaign_cancel"),
    path("<int:pk>/refresh/", views.campaign_refresh, name="campaign_refresh"),
    path("<int:pk>/members.csv", views.campaign_members_export, name="campaign_members_export"),
    path("<int:pk>/letters/", views.campaign_letters, name="campaign_letters"),
    path("lists/", target_views.target_list_list, name="target_list_list"),
    path("lists/new/", target_views.target_list_create, name="target_list_create"),
    path("lists/<int:pk>/", target_views.target_list_detail, name="target_list_detail"),
    path("suppressions/", target_views.suppression_list, name="suppressions"),
]
