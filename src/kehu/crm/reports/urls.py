from django.urls import path

from kehu.crm.reports import report_views, views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("explore/", views.explore, name="explore"),
    path("explore/export.csv", views.export_csv, name="export_csv"),
    path("explore/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("warehouse/build/", views.build_now, name="build"),
    path("customers-per-month/", report_views.customer_flow, name="customer_flow"),
    path(
        "customers-per-month/export.csv",
        report_views.customer_flow,
        {"as_csv": True},
        name="customer_flow_csv",
    ),
    path("products-without-sales/", report_views.idle_products, name="idle_products"),
    path(
        "products-without-sales/export.csv",
        report_views.idle_products,
        {"as_csv": True},
        name="idle_products_csv",
    ),
    path("new-products/", report_views.new_products, name="new_products"),
    path(
        "new-products/export.csv",
        report_views.new_products,
        {"as_csv": True},
        name="new_products_csv",
    ),
]
