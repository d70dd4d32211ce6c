from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, EDIT, FULL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class SalesConfig(KehuAppConfig):
    name = "kehu.crm.sales"
    label = "sales"
    verbose_name = _("Sales")

    url_prefix = "sales/"
    api_router = "kehu.crm.sales.api.router"
    nav = (
        NavEntry(_("Orders"), "sales:order_list", 20, permission="sales.view_order"),
        NavEntry(_("Pipeline"), "sales:opportunity_board", 21, permission="sales.view_opportunity"),
        NavEntry(_("Activities"), "sales:activity_list", 22, permission="sales.view_activity"),
    )
    role_permissions = {
        Role.ADMIN: ALL,
        Role.SALES: {"order": EDIT, "orderline": FULL, "opportunity": FULL, "activity": FULL},
        Role.SERVICE: {"order": VIEW, "orderline": VIEW, "activity": FULL},
        Role.MARKETING: {"order": VIEW, "opportunity": VIEW, "activity": FULL},
        Role.ANALYST: {"order": VIEW, "orderline": VIEW, "opportunity": VIEW, "activity": VIEW},
    }
