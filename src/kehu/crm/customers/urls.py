from django.urls import path

from kehu.crm.customers import picker, views

app_name = "customers"
urlpatterns = [
    path("pick/", picker.customer_options, name="pick"),
    path("", views.customer_list, name="list"),
    path("export.csv", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/report/", views.customer_report, name="report"),
    path("<int:pk>/history/", views.customer_history, name="history"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
]
