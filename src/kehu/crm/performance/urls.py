from django.urls import path

from kehu.crm.performance import views

app_name = "performance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export, name="export"),
    path("people/<int:pk>/", views.person, name="person"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("teams/<int:pk>/targets/", views.set_target, name="set_target"),
    path("teams/<int:pk>/edit/", views.edit_team, name="edit_team"),
    path("teams/<int:pk>/delete/", views.delete_team, name="delete_team"),
    path("teams/<int:pk>/members/", views.add_member, name="add_member"),
    path(
        "teams/<int:pk>/members/<int:user_pk>/remove/",
        views.remove_member,
        name="remove_member",
    ),
    path("targets/<int:pk>/delete/", views.delete_target, name="delete_target"),
]
