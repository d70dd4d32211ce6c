from django.urls import path

from kehu.crm.customers import picker, views

app_name = "customers"
# the list, its export, the 360 page and its report read other domains: they are
# screens (kehu.crm.screens.urls), added to this namespace by ScreensConfig
urlpatterns = [
    path("pick/", picker.customer_options, name="pick"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/history/", views.customer_history, name="history"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
]
