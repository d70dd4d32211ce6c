from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, EDIT, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class BillingConfig(KehuAppConfig):
    name = "kehu.crm.billing"
    label = "billing"
    verbose_name = _("Billing")

    url_prefix = "billing/"
    api_router = "kehu.crm.billing.api.router"
    nav = (NavEntry(_("Invoices"), "billing:invoice_list", 24, permission="billing.view_invoice"),)
    role_permissions = {
        Role.ADMIN: ALL,
        # a seller invoices their customers' orders and records what they pay
        Role.SALES: {"invoice": EDIT, "payment": ("view", "add"), "paymentterms": VIEW},
        Role.SERVICE: {"invoice": VIEW, "payment": VIEW},
        Role.ANALYST: {"invoice": VIEW, "payment": VIEW, "paymentterms": VIEW},
    }
