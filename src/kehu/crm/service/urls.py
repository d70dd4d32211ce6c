from django.urls import path

from kehu.crm.service import sla_views, views

app_name = "service"
urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/export.csv", views.ticket_export, name="ticket_export"),
    path("tickets/new/", views.ticket_create, name="ticket_create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/edit/", views.ticket_edit, name="ticket_edit"),
    path("tickets/<int:pk>/status/", views.ticket_transition, name="ticket_transition"),
    path("tickets/<int:pk>/comment/", views.ticket_comment, name="ticket_comment"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/rate/", views.ticket_rate, name="ticket_rate"),
    path("tickets/<int:pk>/visits/", views.visit_schedule, name="visit_schedule"),
    path("visits/<int:pk>/record/", views.visit_record, name="visit_record"),
    path("sla/", sla_views.sla_dashboard, name="sla_dashboard"),
]
