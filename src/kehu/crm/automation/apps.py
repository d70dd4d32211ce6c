from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import ALL, KehuAppConfig
from kehu.crm.choices import Role


class AutomationConfig(KehuAppConfig):
    name = "kehu.crm.automation"
    label = "automation"
    verbose_name = _("Automation")
    url_prefix = "automation/"
    api_router = "kehu.crm.automation.api.router"
    # no menu entry until the app has a page to open (see the package docstring)
    nav = ()
    # the administrator holds every permission of the app once it has models; the other
    # roles get theirs with the models they use
    role_permissions = {Role.ADMIN: ALL}
