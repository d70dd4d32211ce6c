from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig


class EventsConfig(KehuAppConfig):
    """Events and exhibitions planned as projects: phases, work items, dependencies,
    the critical path."""

    name = "kehu.crm.events"
    label = "events"
    verbose_name = _("Events")
