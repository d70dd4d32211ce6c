from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, EDIT, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class EngagementConfig(KehuAppConfig):
    name = "kehu.crm.engagement"
    label = "engagement"
    verbose_name = _("Engagement")

    url_prefix = "engagement/"
    api_router = "kehu.crm.engagement.api.router"
    nav = (
        NavEntry(
            _("Interactions"),
            "engagement:interaction_list",
            40,
            permission="engagement.view_interaction",
        ),
    )
    role_permissions = {
        Role.ADMIN: ALL,
        Role.SALES: {"interaction": EDIT},
        Role.SERVICE: {"interaction": EDIT},
        Role.MARKETING: {"interaction": EDIT},
        Role.ANALYST: {"interaction": VIEW},
    }
