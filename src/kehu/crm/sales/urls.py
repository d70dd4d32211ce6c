from django.urls import path

from kehu.crm.sales import views

app_name = "sales"
urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/export.csv", views.order_export, name="order_export"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", views.order_status, name="order_status"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/export.csv", views.opportunity_export, name="opportunity_export"),
    path("opportunities/board/", views.opportunity_board, name="opportunity_board"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/export.csv", views.activity_export, name="activity_export"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="activity_complete"),
]
