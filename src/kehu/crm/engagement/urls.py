from django.urls import path

from kehu.crm.engagement import views

app_name = "engagement"
# logging an interaction on the 360 page is a screen (kehu.crm.screens.urls): the log
# form redraws the customer's whole timeline
urlpatterns = [
    path("", views.interaction_list, name="interaction_list"),
    path("export.csv", views.interaction_export, name="interaction_export"),
    path("<int:pk>/edit/", views.edit_interaction, name="edit"),
    path("<int:pk>/delete/", views.delete_interaction, name="delete"),
]
