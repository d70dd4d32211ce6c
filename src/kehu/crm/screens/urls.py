"""The screens' pages. ``urlpatterns`` (at the site's root) is the home dashboard; the
other pages join the URL namespace of the domain they are about
(``ScreensConfig.extends_urls``), under that domain's prefix."""

from django.urls import path

from kehu.crm.screens import views

urlpatterns = [
    path("", views.home, name="home"),
    path("worklist/<int:customer_pk>/call/", views.worklist_call, name="worklist_call"),
]

# under /customers/, names customers:...
customer_urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.csv", views.customer_export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/report/", views.customer_report, name="report"),
]

# under /engagement/, names engagement:...
engagement_urlpatterns = [
    path("customers/<int:customer_pk>/log/", views.log_interaction, name="log"),
]
