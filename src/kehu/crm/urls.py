"""The site's URLs: sign-in and sign-out, every kehu app's pages under the prefix its
AppConfig declares (:func:`kehu.crm.appconfig.app_urlpatterns`), the Django admin and
the REST API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from kehu.crm.accounts import views as account_views
from kehu.crm.api import api
from kehu.crm.appconfig import app_urlpatterns

urlpatterns = [
    path("login/", account_views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *app_urlpatterns(),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # browsers ask for /favicon.ico on pages without an icon link (the admin): no 404
    path("favicon.ico", RedirectView.as_view(url=static("kehu/favicon.svg"), permanent=True)),
]
