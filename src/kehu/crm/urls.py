from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from kehu.crm.accounts import views as account_views
from kehu.crm.api import api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", account_views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("kehu.crm.accounts.urls")),
    path("customers/", include("kehu.crm.customers.urls")),
    path("sales/", include("kehu.crm.sales.urls")),
    path("service/", include("kehu.crm.service.urls")),
    path("engagement/", include("kehu.crm.engagement.urls")),
    path("catalog/", include("kehu.crm.catalog.urls")),
    path("intelligence/", include("kehu.crm.intelligence.urls")),
    path("imports/", include("kehu.crm.integration.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # browsers ask for /favicon.ico on pages without an icon link (the admin): no 404
    path("favicon.ico", RedirectView.as_view(url=static("kehu/favicon.svg"), permanent=True)),
]
