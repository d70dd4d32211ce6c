from django.urls import path

from kehu.crm.catalog import picker, views

app_name = "catalog"
urlpatterns = [
    path("products/pick/", picker.product_options, name="product_pick"),
    path("products/", views.product_list, name="product_list"),
    path("products/export.csv", views.product_export, name="product_export"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
]
