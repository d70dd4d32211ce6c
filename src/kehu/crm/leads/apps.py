from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, FULL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class LeadsConfig(KehuAppConfig):
    """Leads apart from customers: capture, qualification, scoring, conversion,
    source effectiveness."""

    name = "kehu.crm.leads"
    label = "leads"
    verbose_name = _("Leads")

    url_prefix = "leads/"
    api_router = "kehu.crm.leads.api.router"
    nav = (NavEntry(_("Leads"), "leads:list", 19, permission="leads.view_lead"),)
    role_permissions = {
        Role.ADMIN: ALL,
        Role.SALES: {"lead": FULL, "leadevent": FULL},
        Role.MARKETING: {"lead": FULL, "leadevent": FULL},
        Role.SERVICE: {"lead": VIEW, "leadevent": VIEW},
        # an analyst reads the leads and scores them
        Role.ANALYST: {"lead": (*VIEW, "score"), "leadevent": VIEW},
    }

    def ready(self) -> None:
        # integration sits below leads: leads adds its kind of row to the import
        from kehu.crm.leads.lead_import import register

        register()
