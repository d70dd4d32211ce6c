from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, EDIT, FULL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class CustomersConfig(KehuAppConfig):
    name = "kehu.crm.customers"
    label = "customers"
    verbose_name = _("Customers")

    url_prefix = "customers/"
    api_router = "kehu.crm.customers.api.router"
    nav = (NavEntry(_("Customers"), "customers:list", 10, permission="customers.view_customer"),)
    role_permissions = {
        Role.ADMIN: ALL,
        Role.SALES: {"customer": EDIT, "contact": FULL, "tag": VIEW},
        Role.SERVICE: {"customer": ("view", "change"), "contact": EDIT, "tag": VIEW},
        Role.MARKETING: {"customer": ("view", "change"), "contact": VIEW, "tag": FULL},
        Role.ANALYST: {"customer": VIEW, "contact": VIEW, "tag": VIEW},
    }
