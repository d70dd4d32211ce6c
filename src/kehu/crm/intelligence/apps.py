from django.utils.translation import gettext_lazy as _

from kehu.crm.appconfig import KehuAppConfig, NavEntry


class IntelligenceConfig(KehuAppConfig):
    name = "kehu.crm.intelligence"
    label = "intelligence"
    verbose_name = _("Customer intelligence")

    url_prefix = "intelligence/"
    # the analysis covers every customer: only those who see every customer open it
    nav = (
        NavEntry(
            _("Intelligence"),
            "intelligence:overview",
            60,
            permission="customers.access_all_customers",
        ),
    )
