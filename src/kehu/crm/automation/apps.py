from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, FULL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class AutomationConfig(KehuAppConfig):
    name = "kehu.crm.automation"
    label = "automation"
    verbose_name = _("Automation")
    url_prefix = "automation/"
    api_router = "kehu.crm.automation.api.router"
    nav = (NavEntry(_("Automation"), "automation:rules", 65, permission="automation.view_rule"),)
    # administrators and marketing users write the rules; analysts read them and their
    # logs; sales and service users see only their own notifications (no permission
    # needed: a notification page shows its user's own)
    role_permissions = {
        Role.ADMIN: ALL,
        Role.MARKETING: {"rule": FULL, "rulerun": VIEW, "rulehit": VIEW},
        Role.ANALYST: {"rule": VIEW, "rulerun": VIEW, "rulehit": VIEW},
    }

    def ready(self) -> None:
        from kehu.crm.automation.receivers import connect

        connect(self)
