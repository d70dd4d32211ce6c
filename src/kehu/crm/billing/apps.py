from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig


class BillingConfig(KehuAppConfig):
    name = "kehu.crm.billing"
    label = "billing"
    verbose_name = _("Billing")
