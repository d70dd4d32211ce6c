from django.urls import path

from kehu.crm.billing import views

app_name = "billing"
urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/export.csv", views.invoice_export, name="invoice_export"),
    path("invoices/new/", views.invoice_order, name="invoice_order"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
    path("invoices/<int:pk>/status/", views.invoice_status, name="invoice_status"),
    path("payments/<int:pk>/remove/", views.payment_remove, name="payment_remove"),
    path("terms/<int:customer_pk>/", views.payment_terms, name="payment_terms"),
    path("aging/", views.aging, name="aging"),
    path("aging/export.csv", views.aging_export, name="aging_export"),
]
