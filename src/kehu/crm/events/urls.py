from django.urls import path

from kehu.crm.events import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/phases/new/", views.phase_add, name="phase_add"),
    path("<int:pk>/items/new/", views.item_add, name="item_add"),
    path("<int:pk>/dependencies/new/", views.dependency_add, name="dependency_add"),
    path("items/<int:pk>/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/advance/", views.item_advance, name="item_advance"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("dependencies/<int:pk>/", views.dependency_edit, name="dependency_edit"),
    path("dependencies/<int:pk>/remove/", views.dependency_remove, name="dependency_remove"),
]
