from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig


class LeadsConfig(KehuAppConfig):
    """Leads apart from customers: capture, qualification, scoring, conversion,
    source effectiveness."""

    name = "kehu.crm.leads"
    label = "leads"
    verbose_name = _("Leads")
