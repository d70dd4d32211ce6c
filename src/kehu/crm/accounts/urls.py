from django.urls import path

from kehu.crm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("language/", views.set_language, name="language"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
]
