from django.urls import path

from kehu.crm.engagement import views

app_name = "engagement"
urlpatterns = [
    path("", views.interaction_list, name="interaction_list"),
    path("export.csv", views.interaction_export, name="interaction_export"),
    path("customers/<int:customer_pk>/log/", views.log_interaction, name="log"),
    path("<int:pk>/edit/", views.edit_interaction, name="edit"),
    path("<int:pk>/delete/", views.delete_interaction, name="delete"),
]
