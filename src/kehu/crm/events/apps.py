from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, FULL, VIEW, KehuAppConfig, NavEntry
from kehu.crm.choices import Role


class EventsConfig(KehuAppConfig):
    """Events and exhibitions planned as projects: phases, work items, dependencies,
    the critical path."""

    name = "kehu.crm.events"
    label = "events"
    verbose_name = _("Events")

    url_prefix = "events/"
    api_router = "kehu.crm.events.api.router"
    nav = (NavEntry(_("Events"), "events:list", 27, permission="events.view_event"),)
    role_permissions = {
        Role.ADMIN: ALL,
        # marketing plans the events
        Role.MARKETING: {"event": FULL, "phase": FULL, "workitem": FULL, "dependency": FULL},
        # a seller sees the plans and takes the work items they own through the steps
        # (the views let them change only their own: events.views.may_change_item)
        Role.SALES: {
            "event": VIEW,
            "phase": VIEW,
            "workitem": ("view", "change"),
            "dependency": VIEW,
        },
        Role.SERVICE: {"event": VIEW, "phase": VIEW, "workitem": VIEW, "dependency": VIEW},
        Role.ANALYST: {"event": VIEW, "phase": VIEW, "workitem": VIEW, "dependency": VIEW},
    }
