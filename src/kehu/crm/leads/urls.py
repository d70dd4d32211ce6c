"""Pages of leads: the public web form (no sign-in) and the staff screens."""

from django.urls import URLPattern, URLResolver, path

from kehu.crm.leads import effectiveness_views, public, scoring_views, views

app_name = "leads"
urlpatterns: list[URLPattern | URLResolver] = [
    path("form/<str:key>/", public.lead_form, name="form"),
    path("form/<str:key>/thanks/", public.lead_form_thanks, name="form_thanks"),
    path("", views.lead_list, name="list"),
    path("export.csv", views.lead_export, name="export"),
    path("bulk/", views.lead_bulk, name="bulk"),
    path("new/", views.lead_create, name="create"),
    path("web-forms/", views.web_forms, name="web_forms"),
    path("score/", scoring_views.score_now, name="score"),
    path("sources/", effectiveness_views.effectiveness, name="effectiveness"),
    path(
        "sources/export.csv", effectiveness_views.effectiveness_export, name="effectiveness_export"
    ),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/status/", views.lead_status, name="status"),
    path("<int:pk>/activity/", views.lead_activity, name="activity"),
    path("<int:pk>/assign/", views.lead_assign, name="assign"),
    path("<int:pk>/convert/", views.lead_convert, name="convert"),
]
