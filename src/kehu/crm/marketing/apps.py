from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, FULL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class MarketingConfig(KehuAppConfig):
    name = "kehu.crm.marketing"
    label = "marketing"
    verbose_name = _("Marketing")
    url_prefix = "marketing/"
    api_router = "kehu.crm.marketing.api.router"
    nav = (
        NavEntry(
            _("Campaigns"), "marketing:campaign_list", 55, permission="marketing.view_campaign"
        ),
    )
    role_permissions = {
        Role.ADMIN: ALL,
        Role.MARKETING: {
            "campaign": (*FULL, "send"),
            "targetlist": FULL,
            "campaignmember": VIEW,
            "suppression": FULL,
            "responsescore": VIEW,
        },
        Role.SALES: {"campaign": VIEW, "campaignmember": VIEW},
        Role.ANALYST: {
            "campaign": VIEW,
            "targetlist": VIEW,
            "campaignmember": VIEW,
            "responsescore": VIEW,
        },
    }

    def ready(self) -> None:
        from kehu.crm.marketing.receivers import connect

        connect()
