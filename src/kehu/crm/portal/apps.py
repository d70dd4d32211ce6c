from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig


class PortalConfig(KehuAppConfig):
    """The customer self-service portal: a customer's contacts see their own company's records."""

    name = "kehu.crm.portal"
    label = "portal"
    verbose_name = _("Customer portal")
