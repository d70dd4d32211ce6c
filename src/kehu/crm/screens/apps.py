from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig


class ScreensConfig(KehuAppConfig):
    """Pages that bring several domains together (:mod:`kehu.crm.screens.views`). No
    models; its pages join the URL namespaces of the domains they are about."""

    name = "kehu.crm.screens"
    label = "screens"
    verbose_name = _("Screens")
    url_prefix = ""  # the home dashboard, at /
    extends_urls = {
        "customers": "kehu.crm.screens.urls.customer_urlpatterns",
        "engagement": "kehu.crm.screens.urls.engagement_urlpatterns",
    }
    api_router = "kehu.crm.screens.api.router"
