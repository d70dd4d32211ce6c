from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, EDIT, VIEW, KehuAppConfig
from kehu.crm.choices import Role


class PortalConfig(KehuAppConfig):
    """The customer self-service portal: a customer's contacts see their own company's records."""

    name = "kehu.crm.portal"
    label = "portal"
    verbose_name = _("Customer portal")

    url_prefix = "portal/"
    # no menu entry: staff reach a customer's portal access from the customer's page
    role_permissions = {
        Role.ADMIN: ALL,
        # sellers and the service desk give their customers' contacts access
        Role.SALES: {"portalaccess": EDIT, "portalchange": VIEW, "portalticket": VIEW},
        Role.SERVICE: {"portalaccess": EDIT, "portalchange": VIEW, "portalticket": VIEW},
        Role.ANALYST: {"portalaccess": VIEW, "portalchange": VIEW, "portalticket": VIEW},
    }
