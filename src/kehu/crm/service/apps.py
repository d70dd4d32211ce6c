from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, EDIT, FULL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class ServiceConfig(KehuAppConfig):
    name = "kehu.crm.service"
    label = "service"
    verbose_name = _("Service")

    url_prefix = "service/"
    api_router = "kehu.crm.service.api.router"
    nav = (NavEntry(_("Tickets"), "service:ticket_list", 30, permission="service.view_ticket"),)
    role_permissions = {
        Role.ADMIN: ALL,
        Role.SALES: {"ticket": VIEW},
        Role.SERVICE: {"ticket": EDIT, "ticketevent": ("view", "add"), "technicianvisit": FULL},
        Role.MARKETING: {"ticket": VIEW},
        Role.ANALYST: {"ticket": VIEW, "ticketevent": VIEW, "technicianvisit": VIEW},
    }
